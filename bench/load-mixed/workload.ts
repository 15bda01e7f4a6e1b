/**
 * The mixed workload of `npm run load`: each virtual user is one serial loop that picks a
 * request at random (sign-in, current, list, revoke), sends it to instance A or B at random,
 * and checks the answer against its model (./model.ts). Anything the model did not
 * predict is unexpected: a 5xx, a network error, a 429, a live session refused, an ended one
 * accepted, a device list that is not the model's.
 */
import {
  cookieHeader,
  type DeviceHeaders,
  mutate,
  newDeviceIp,
  query,
  type Reply,
  signInRequest,
  signOutRequest,
  trpcData,
  trpcReason,
} from "./client";
import {
  addDevice,
  aliveDevices,
  type Device,
  endDevice,
  expectedReason,
  pick,
  type VirtualUser,
} from "./model";
import type { Kind, Recorder } from "./record";
import type { Instance } from "./servers";

/** Share of each request kind; revoke splits further (see `revokeSomething`). */
export const MIX = { signIn: 0.2, current: 0.35, list: 0.25, revoke: 0.2 } as const;
/** Of the `current` requests, this share presents an ended session's cookie (when there is one). */
const ENDED_PROBE_SHARE = 0.1;

export interface WorkloadContext {
  instances: readonly Instance[];
  recorder: Recorder;
  maxPerUser: number;
  deadlineMs: number;
}

/** Runs one user's loop until the deadline (or until the model can no longer be trusted). */
export async function runUser(user: VirtualUser, ctx: WorkloadContext): Promise<void> {
  while (Date.now() < ctx.deadlineMs && !user.stopped) {
    await step(user, ctx);
  }
}

async function step(user: VirtualUser, ctx: WorkloadContext): Promise<void> {
  const alive = aliveDevices(user);
  const roll = Math.random();
  if (alive.length === 0 || roll < MIX.signIn) return signIn(user, ctx);
  const device = pick(alive) as Device;
  if (roll < MIX.signIn + MIX.current) {
    const ended = user.devices.filter((d) => d.state !== "alive");
    if (ended.length > 0 && Math.random() < ENDED_PROBE_SHARE) {
      return currentOfEnded(user, pick(ended) as Device, ctx);
    }
    return current(user, device, ctx);
  }
  if (roll < MIX.signIn + MIX.current + MIX.list) return list(user, device, ctx);
  return revokeSomething(user, device, ctx);
}

function target(ctx: WorkloadContext): Instance {
  return pick(ctx.instances) as Instance;
}

function headers(user: VirtualUser, device: Device): DeviceHeaders {
  return { cookie: device.cookie, ip: device.ip, origin: user.origin };
}

function record(
  ctx: WorkloadContext,
  kind: Kind,
  instance: Instance,
  user: VirtualUser,
  reply: Reply,
  problem: string | null,
  changesState: boolean,
) {
  ctx.recorder.record(kind, instance.name, user.index, reply, problem);
  // After a surprise on a state change the model may be wrong; stop rather than report echoes.
  if (problem !== null && changesState) user.stopped = true;
}

/** A problem for any answer but `expected`; null when it matches. */
function statusProblem(reply: Reply, expected: number): string | null {
  if (reply.status === expected) return null;
  if (reply.status === 0) return `network error (${reply.error})`;
  return `status ${reply.status}, expected ${expected}`;
}

async function signIn(user: VirtualUser, ctx: WorkloadContext) {
  const instance = target(ctx);
  const ip = newDeviceIp();
  const reply = await signInRequest(instance.url, user.email, ip, user.origin);
  const cookie = cookieHeader(reply.setCookies);
  const bodyUserId = (reply.body as { user?: { id?: string } } | null)?.user?.id;
  let problem = statusProblem(reply, 200);
  if (!problem && bodyUserId !== user.userId) problem = `signed in as ${bodyUserId}`;
  if (!problem && !cookie.includes("session_token=")) problem = "no session cookie set";
  if (!problem) addDevice(user, { ip, cookie }, ctx.maxPerUser);
  record(ctx, "sign-in", instance, user, reply, problem, true);
}

async function current(user: VirtualUser, device: Device, ctx: WorkloadContext) {
  const instance = target(ctx);
  const reply = await query(instance.url, "session.current", headers(user, device));
  const data = trpcData(reply.body) as { user?: { id?: string }; session?: { id?: string } } | null;
  let problem = statusProblem(reply, 200);
  if (!problem && data?.user?.id !== user.userId) problem = "live session answered as signed out";
  if (!problem) problem = learnId(user, device, data?.session?.id);
  record(ctx, "current", instance, user, reply, problem, false);
}

async function currentOfEnded(user: VirtualUser, device: Device, ctx: WorkloadContext) {
  const instance = target(ctx);
  const reply = await query(instance.url, "session.current", headers(user, device));
  record(ctx, "current (ended session)", instance, user, reply, endedProblem(device, reply), false);
}

/**
 * What is wrong with `session.current`'s answer to an ended session's cookie: revoked and
 * evicted sessions get 401 with their reason; a signed-out one is simply signed out (200, null).
 */
export function endedProblem(device: Device, reply: Reply): string | null {
  const reason = expectedReason(device.state);
  if (reason === null) {
    const problem = statusProblem(reply, 200);
    if (problem) return `${device.state} session: ${problem}`;
    return trpcData(reply.body) === null ? null : `${device.state} session accepted`;
  }
  if (reply.status >= 200 && reply.status < 300) return `${device.state} session accepted`;
  const problem = statusProblem(reply, 401);
  if (problem) return `${device.state} session: ${problem}`;
  const got = trpcReason(reply.body);
  return got === reason ? null : `${device.state} session: reason ${got}, expected ${reason}`;
}

/** Records the id a `current` or `list` answer gave this device; a problem if it contradicts. */
function learnId(user: VirtualUser, device: Device, id: string | undefined): string | null {
  if (!id) return "no session id";
  if (device.id === null) {
    const owner = user.devices.find((other) => other.id === id);
    if (owner) return `session id ${id} already belongs to device ${owner.index}`;
    device.id = id;
    return null;
  }
  return device.id === id ? null : `session id ${id}, expected ${device.id}`;
}

interface ListedSession {
  id: string;
  ipAddress: string | null;
  isCurrent: boolean;
}

async function list(user: VirtualUser, device: Device, ctx: WorkloadContext) {
  const instance = target(ctx);
  const reply = await query(instance.url, "session.list", headers(user, device));
  let problem = statusProblem(reply, 200);
  if (!problem) problem = compareList(user, device, trpcData(reply.body) as ListedSession[]);
  record(ctx, "list", instance, user, reply, problem, false);
}

/**
 * The device list must be exactly the model's live devices (matched by their unique address),
 * the current one marked. Ids learnt here let `revoke` name its target.
 */
function compareList(user: VirtualUser, device: Device, listed: ListedSession[]): string | null {
  if (!Array.isArray(listed)) return "not a list";
  const alive = aliveDevices(user);
  const byIp = new Map(user.devices.map((d) => [d.ip, d]));
  for (const entry of listed) {
    const owner = byIp.get(entry.ipAddress ?? "");
    if (!owner) return `listed session ${entry.id} from unknown address ${entry.ipAddress}`;
    if (owner.state !== "alive") return `listed session of ${owner.state} device ${owner.index}`;
    const problem = learnId(user, owner, entry.id);
    if (problem) return problem;
    if (entry.isCurrent !== (owner === device)) return `isCurrent wrong on ${entry.id}`;
  }
  if (listed.length !== alive.length) {
    return `listed ${listed.length} sessions, model has ${alive.length} live`;
  }
  return null;
}

/** Mostly revoke one other device by id; sometimes revoke all others, or sign out. */
async function revokeSomething(user: VirtualUser, device: Device, ctx: WorkloadContext) {
  const roll = Math.random();
  if (roll < 0.1) return revokeOthers(user, device, ctx);
  if (roll < 0.2) return signOut(user, device, ctx);
  const others = aliveDevices(user).filter((d) => d !== device);
  const victim = pick(others.filter((d) => d.id !== null));
  if (victim) return revoke(user, device, victim, ctx);
  // No id known yet: a list learns them (a user looks at the list before ending a device).
  if (others.length > 0) return list(user, device, ctx);
  return signIn(user, ctx);
}

async function revoke(user: VirtualUser, device: Device, victim: Device, ctx: WorkloadContext) {
  const instance = target(ctx);
  const reply = await mutate(
    instance.url,
    "session.revoke",
    { id: victim.id },
    headers(user, device),
  );
  const data = trpcData(reply.body) as { ended?: number; signedOut?: boolean } | undefined;
  let problem = statusProblem(reply, 200);
  if (!problem && (data?.ended !== 1 || data.signedOut !== false)) problem = "unexpected result";
  if (!problem) endDevice(victim, "revoked", "session.revoke");
  record(ctx, "revoke", instance, user, reply, problem, true);
}

async function revokeOthers(user: VirtualUser, device: Device, ctx: WorkloadContext) {
  const instance = target(ctx);
  const others = aliveDevices(user).filter((d) => d !== device);
  const reply = await mutate(instance.url, "session.revokeOthers", null, headers(user, device));
  const data = trpcData(reply.body) as { ended?: number } | undefined;
  let problem = statusProblem(reply, 200);
  if (!problem && data?.ended !== others.length) {
    problem = `ended ${data?.ended}, model expected ${others.length}`;
  }
  if (!problem) for (const other of others) endDevice(other, "revoked", "session.revokeOthers");
  record(ctx, "revoke-others", instance, user, reply, problem, true);
}

async function signOut(user: VirtualUser, device: Device, ctx: WorkloadContext) {
  const instance = target(ctx);
  const reply = await signOutRequest(instance.url, headers(user, device));
  let problem = statusProblem(reply, 200);
  if (!problem && (reply.body as { success?: boolean } | null)?.success !== true) {
    problem = "sign-out did not report success";
  }
  if (!problem) endDevice(device, "signed-out", "sign-out");
  record(ctx, "sign-out", instance, user, reply, problem, true);
}
