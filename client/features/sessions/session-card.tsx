import type { inferRouterOutputs } from "@trpc/server";
import type { AppRouter } from "../../../server/routers";
import { formatAbsolute, formatRelative } from "../../lib/format-time";
import { DeviceIcon } from "./device-icon";
import { deviceTitle, deviceTypeLabel } from "./device-label";

export type DeviceSession = inferRouterOutputs<AppRouter>["session"]["list"][number];

interface SessionCardProps {
  session: DeviceSession;
  onRevoke(): void;
  revoking: boolean;
}

/** One signed-in device. */
export function SessionCard({ session, onRevoke, revoking }: SessionCardProps) {
  const title = deviceTitle(session.device);
  return (
    <li
      className={session.isCurrent ? "session-card current" : "session-card"}
      data-testid="session-row"
      data-current={session.isCurrent}
      aria-label={session.isCurrent ? `${title} (this device)` : title}
    >
      <DeviceIcon type={session.device.type} />
      <div className="session-body">
        <p className="session-title">
          {title}
          {session.isCurrent && <span className="badge">This device</span>}
        </p>
        <p className="muted small">
          {deviceTypeLabel(session.device)} · IP {session.ipAddress ?? "unknown"}
        </p>
        <dl className="session-times small">
          <dt>First seen</dt>
          <dd title={formatAbsolute(session.createdAt)}>{formatRelative(session.createdAt)}</dd>
          <dt>Last active</dt>
          <dd title={formatAbsolute(session.lastActiveAt)}>
            {session.isCurrent ? "now" : formatRelative(session.lastActiveAt)}
          </dd>
        </dl>
      </div>
      <button
        type="button"
        className={session.isCurrent ? "button secondary small" : "button danger-outline small"}
        onClick={onRevoke}
        disabled={revoking}
        aria-label={session.isCurrent ? "Sign out this device" : `Sign out ${title}`}
      >
        {revoking ? "Signing out…" : "Sign out"}
      </button>
    </li>
  );
}
