import type { SessionActivityEvent } from "../../../shared/session-events";
import { deviceTitle } from "../../lib/device-label";
import { formatAbsolute, formatRelative } from "../../lib/format-time";
import { ActivityIcon } from "./activity-icon";
import { describeEvent } from "./describe-event";

interface ActivityItemProps {
  event: SessionActivityEvent;
  /** The device of the session this event is about, from its sign-in, when that is loaded. */
  endedDevice: string | null;
}

/** One event: what happened, then from which device and address, and when. */
export function ActivityItem({ event, endedDevice }: ActivityItemProps) {
  const { headline, tone } = describeEvent(event, endedDevice);
  return (
    <li
      className="activity-item"
      data-testid="activity-event"
      data-type={event.type}
      data-reason={event.reason ?? undefined}
    >
      <ActivityIcon tone={tone} />
      <div className="activity-body">
        <p className="activity-title">
          <span data-testid="activity-headline">{headline}</span>
          {event.isCurrentSession && <span className="badge">This device</span>}
        </p>
        <p className="muted small">
          {/* An account event made by opening a link (verify, confirm) has no device of its own. */}
          {(event.userAgent || event.ipAddress) &&
            `${deviceTitle(event.device)} · ${event.ipAddress ?? "unknown address"} · `}
          <time dateTime={event.at} title={formatAbsolute(event.at)}>
            {formatRelative(event.at)}
          </time>
        </p>
      </div>
    </li>
  );
}
