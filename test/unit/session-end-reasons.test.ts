/**
 * Every recorded end reason tells the ended device why, except an end on that very device (it
 * signed out, or a new session there replaced it). A reason added to EndReason and forgotten in
 * reasonForSessionEnd would leave the ended device with a bare "no session", as `not_me` and
 * `email_change_undone` once did.
 */
import { describe, expect, it } from "vitest";
import { reasonForSessionEnd } from "../../server/sessions/authenticate/explain-ended";
import { ErrorReason } from "../../shared/errors";
import { EndReason } from "../../shared/session-events";

const ON_THIS_DEVICE: readonly string[] = [
  EndReason.SIGN_OUT,
  EndReason.REPLACED,
  EndReason.REAUTHENTICATED,
];

describe("reasonForSessionEnd", () => {
  it.each(Object.values(EndReason).filter((reason) => !ON_THIS_DEVICE.includes(reason)))(
    "explains a session ended for %s",
    (reason) => {
      expect(reasonForSessionEnd(reason)).not.toBe(ErrorReason.SESSION_REQUIRED);
    },
  );

  it("says nothing more of a session ended on its own device", () => {
    for (const reason of ON_THIS_DEVICE) {
      expect(reasonForSessionEnd(reason)).toBe(ErrorReason.SESSION_REQUIRED);
    }
  });

  it("counts “This wasn't me” and an undone email change as revocations", () => {
    expect(reasonForSessionEnd(EndReason.NOT_ME)).toBe(ErrorReason.SESSION_REVOKED);
    expect(reasonForSessionEnd(EndReason.EMAIL_CHANGE_UNDONE)).toBe(ErrorReason.SESSION_REVOKED);
  });
});
