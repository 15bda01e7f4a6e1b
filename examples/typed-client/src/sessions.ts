/** Who is signed in, on which devices, and what happened to their sessions. */
import type { RouterOutputs } from "./api/app-router.js";
import { api, reasonOf } from "./trpc.js";

export type Device = RouterOutputs["session"]["list"][number];

/** One line per device, the current one starred; null when signed out. */
export async function describeSessions(): Promise<string[] | null> {
  // Both calls leave in one batched request.
  const [current, devices] = await Promise.all([
    api.session.current.query(),
    api.session.list.query().catch((error: unknown) => {
      if (reasonOf(error) === "SESSION_REQUIRED") return [];
      throw error;
    }),
  ]);
  if (!current) return null;
  return [
    `${current.user.email}, signed in since ${current.session.createdAt}`,
    ...devices.map(describeDevice),
  ];
}

function describeDevice(device: Device): string {
  const browser = device.device.browser ?? "Unknown browser";
  const where = device.device.os ? ` on ${device.device.os}` : "";
  return `${device.isCurrent ? "*" : " "} ${browser}${where}, last active ${device.lastActiveAt}`;
}

/** Every event of the user's activity log, page by page. */
export async function allActivity(): Promise<RouterOutputs["session"]["activity"]["events"]> {
  const events: RouterOutputs["session"]["activity"]["events"] = [];
  let cursor: number | undefined;
  do {
    // `cursor: undefined` is a valid input, even under exactOptionalPropertyTypes.
    const page = await api.session.activity.query({ cursor, limit: 50 });
    events.push(...page.events);
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined);
  return events;
}

/** Signs out every other device; needs a recent sign-in (else `SESSION_NOT_FRESH`). */
export async function signOutOtherDevices(): Promise<number> {
  try {
    const { ended } = await api.session.revokeOthers.mutate();
    return ended;
  } catch (error) {
    if (reasonOf(error) === "SESSION_NOT_FRESH") {
      throw new Error("Confirm your password first (session.reauthenticate)");
    }
    throw error;
  }
}
