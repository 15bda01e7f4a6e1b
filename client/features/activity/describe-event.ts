/** The activity log in words: one sentence per event, and how it should look. */
import {
  EndReason,
  type SessionActivityEvent,
  SessionEventType,
} from "../../../shared/session-events";
import { deviceTitle } from "../../lib/device-label";

/**
 * Picks the icon and its colour: a sign-in, a sign-out, a forced end, an expiry, a warning, a
 * change to the account's password or address made with a link sent by mail.
 */
export type EventTone =
  | "signed-in"
  | "signed-out"
  | "ended"
  | "expired"
  | "warning"
  | "password"
  | "email"
  | "neutral";

export interface EventDescription {
  /** What happened: "Signed in", "Ended by the session limit". */
  headline: string;
  tone: EventTone;
}

/**
 * Describes one event. `endedDevice` is the device an end event is about, when known: a session
 * ended from elsewhere (another device, a sign-in past the limit, an administrator) records the
 * address and browser of whoever ended it, so the ended one is looked up from its own sign-in
 * (see `sessionDevices`).
 */
export function describeEvent(
  event: Pick<SessionActivityEvent, "type" | "reason" | "byAdministrator">,
  endedDevice: string | null = null,
): EventDescription {
  const description = describeType(event, endedDevice);
  if (event.byAdministrator && !description.headline.includes("administrator")) {
    return { ...description, headline: `${description.headline} (by an administrator)` };
  }
  return description;
}

function describeType(
  event: Pick<SessionActivityEvent, "type" | "reason">,
  endedDevice: string | null,
): EventDescription {
  switch (event.type) {
    case SessionEventType.SIGNED_IN:
      return { headline: "Signed in", tone: "signed-in" };
    case SessionEventType.REAUTHENTICATED:
      return { headline: "Confirmed the password (a new session)", tone: "signed-in" };
    case SessionEventType.REFRESHED:
      return { headline: "Session extended while in use", tone: "neutral" };
    case SessionEventType.REVOKED:
      return describeEnd(event.reason, endedDevice);
    case SessionEventType.EXPIRED:
      return { headline: expiredHeadline(event.reason), tone: "expired" };
    case SessionEventType.CLEANED_UP:
      return { headline: "Removed by cleanup after it expired", tone: "expired" };
    case SessionEventType.BINDING_MISMATCH:
      return {
        headline: `Used from another ${mismatchOf(event.reason)} — flagged`,
        tone: "warning",
      };
    // Account events: about the account, not one session (their sessionId is empty).
    case SessionEventType.PASSWORD_RESET:
      return {
        headline: "Password reset with a link sent by mail (every device signed out)",
        tone: "password",
      };
    case SessionEventType.EMAIL_VERIFIED:
      return { headline: "Email address verified", tone: "email" };
    case SessionEventType.EMAIL_CHANGED:
      return { headline: "Email address changed (confirmed from the new address)", tone: "email" };
    case SessionEventType.EMAIL_CHANGE_UNDONE:
      return {
        headline: "Email address change undone from the previous address (every device signed out)",
        tone: "warning",
      };
  }
  // A type this build of the SPA does not know yet.
  return { headline: "Session changed", tone: "neutral" };
}

function describeEnd(reason: string | null, endedDevice: string | null): EventDescription {
  // Ended by something that happened elsewhere: name the device that was signed out, if known.
  const by = (cause: string, unknown: string, tone: EventTone): EventDescription => ({
    headline: endedDevice ? `Signed out of ${endedDevice} ${cause}` : unknown,
    tone,
  });
  switch (reason) {
    case EndReason.SIGN_OUT:
      return { headline: "Signed out", tone: "signed-out" };
    case EndReason.OTHER_DEVICE:
      return by("from another device", "Signed out from another device", "signed-out");
    case EndReason.ALL:
      return by("by “Sign out everywhere”", "Signed out by “Sign out everywhere”", "signed-out");
    case EndReason.PASSWORD_CHANGE:
      return by("by a password change", "Ended by a password change", "signed-out");
    case EndReason.PASSWORD_RESET:
      return by("by a password reset", "Ended by a password reset", "signed-out");
    case EndReason.REPLACED:
      return { headline: "Replaced by a new sign-in in the same browser", tone: "neutral" };
    case EndReason.REAUTHENTICATED:
      return { headline: "Replaced after the password was confirmed", tone: "neutral" };
    case EndReason.LIMIT:
      return by("by the session limit", "Ended by the session limit", "ended");
    case EndReason.ADMIN:
      return by("by an administrator", "Ended by an administrator", "ended");
    case EndReason.BINDING:
      return by(
        "because it was used from another network or browser",
        "Ended because it was used from another network or browser",
        "ended",
      );
    case EndReason.NOT_ME:
      return by(
        "with “This wasn’t me” in a new sign-in alert",
        "Ended with “This wasn’t me” in a new sign-in alert",
        "ended",
      );
    case EndReason.EMAIL_CHANGE_UNDONE:
      return by(
        "when an email address change was undone",
        "Ended when an email address change was undone",
        "signed-out",
      );
    case EndReason.ACCOUNT_DELETED:
      return { headline: "Ended because the account was deleted", tone: "ended" };
    case EndReason.IDLE_TIMEOUT:
    case EndReason.ABSOLUTE_TIMEOUT:
      return { headline: expiredHeadline(reason), tone: "expired" };
  }
  return { headline: "Ended", tone: "ended" };
}

function expiredHeadline(reason: string | null): string {
  if (reason === EndReason.IDLE_TIMEOUT) return "Expired (inactive for too long)";
  if (reason === EndReason.ABSOLUTE_TIMEOUT) return "Expired (reached its maximum lifetime)";
  return "Expired";
}

/** "network", "browser" or "network,browser": what did not match the session's origin. */
function mismatchOf(reason: string | null): string {
  const parts = new Set(reason?.split(","));
  if (parts.has("network") && parts.has("browser")) return "network and browser";
  if (parts.has("network")) return "network";
  if (parts.has("browser")) return "browser";
  return "network or browser";
}

/** Each session's own device, from its sign-in among the events loaded so far. */
export function sessionDevices(
  events: Pick<SessionActivityEvent, "type" | "sessionId" | "device">[],
): Map<string, string> {
  const devices = new Map<string, string>();
  for (const event of events) {
    if (
      event.type === SessionEventType.SIGNED_IN ||
      event.type === SessionEventType.REAUTHENTICATED
    ) {
      devices.set(event.sessionId, deviceTitle(event.device));
    }
  }
  return devices;
}
