/**
 * What `npm run load` expects the servers to know. Each virtual user runs serially, so its
 * state is deterministic: every device (session) it created, which it ended and how, and which
 * the concurrent-session limit evicted. The limit ends the least recently active sessions
 * (db/migrations/0002: `order by updated_at, created_at`); `updated_at` moves only on a sliding
 * refresh (daily) or an activity write (every 5 minutes), neither within a run, so that is the
 * oldest sign-in.
 */

export type DeviceState = "alive" | "revoked" | "evicted" | "signed-out";

export interface Device {
  /** Creation order within the user: 0 is the sign-up's session. */
  index: number;
  ip: string;
  /** The Cookie header its sign-in set (session token and cookie cache). */
  cookie: string;
  /** The session id, once a `current` or `list` answer told it. */
  id: string | null;
  state: DeviceState;
  /** Which request ended it, for the report. */
  endedBy?: string;
}

export interface VirtualUser {
  index: number;
  email: string;
  userId: string;
  /** The Origin its requests carry: A's or B's, so each instance also serves the other's origin. */
  origin: string;
  devices: Device[];
  /** Set after an unexpected answer to a state change: the model may be wrong from there on. */
  stopped: boolean;
}

export function aliveDevices(user: VirtualUser): Device[] {
  return user.devices.filter((device) => device.state === "alive");
}

/**
 * Records a successful sign-in: the limit first evicts the oldest live sessions so that, with
 * the new one, at most `maxPerUser` are live.
 */
export function addDevice(
  user: VirtualUser,
  device: Omit<Device, "index" | "state" | "id">,
  maxPerUser: number,
): Device {
  const alive = aliveDevices(user);
  for (const evicted of alive.slice(0, Math.max(0, alive.length - maxPerUser + 1))) {
    evicted.state = "evicted";
    evicted.endedBy = "sign-in over the limit";
  }
  const created: Device = { ...device, index: user.devices.length, state: "alive", id: null };
  user.devices.push(created);
  return created;
}

export function endDevice(device: Device, state: Exclude<DeviceState, "alive">, by: string) {
  device.state = state;
  device.endedBy = by;
}

/** The reason `session.current` must give for an ended session's cookie (shared/errors.ts). */
export function expectedReason(state: DeviceState): string | null {
  switch (state) {
    case "revoked":
      return "SESSION_REVOKED";
    case "evicted":
      return "SESSION_EVICTED";
    default:
      // Signed out on this very device: nothing to explain, `current` answers null.
      return null;
  }
}

export function pick<T>(items: readonly T[]): T | undefined {
  return items[Math.floor(Math.random() * items.length)];
}
