import type { inferRouterOutputs } from "@trpc/server";
import type { AppRouter } from "../../../server/routers";
import { DeviceIcon } from "../../components/device-icon";
import { WarningIcon } from "../../components/warning-icon";
import { deviceTitle, deviceTypeLabel } from "../../lib/device-label";
import { formatAbsolute, formatRelative } from "../../lib/format-time";

export type DeviceSession = inferRouterOutputs<AppRouter>["session"]["list"][number];

interface SessionCardProps {
  session: DeviceSession;
  onRevoke(): void;
  revoking: boolean;
}

/** One signed-in device. */
export function SessionCard({ session, onRevoke, revoking }: SessionCardProps) {
  const title = deviceTitle(session.device);
  const notes = [
    session.isCurrent && "this device",
    session.bindingMismatch && "used from another network or browser",
  ].filter(Boolean);
  return (
    <li
      className={session.isCurrent ? "session-card current" : "session-card"}
      data-testid="session-row"
      data-current={session.isCurrent}
      aria-label={notes.length > 0 ? `${title} (${notes.join(", ")})` : title}
    >
      <DeviceIcon type={session.device.type} />
      <div className="session-body">
        <p className="session-title">
          {title}
          {session.isCurrent && <span className="badge">This device</span>}
        </p>
        {session.bindingMismatch && (
          <p className="flag-warning small" data-testid="binding-mismatch">
            <WarningIcon />
            Used from another network or browser
          </p>
        )}
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
