/**
 * After the workload: every session the model says ended is presented to BOTH instances with
 * its own cookie and must be refused; every session it says is live must still work on both.
 */
import { query, trpcData } from "./client";
import type { DeviceState, VirtualUser } from "./model";
import type { Instance } from "./servers";
import { endedProblem } from "./workload";

export interface StateCheck {
  /** Sessions in this state. */
  sessions: number;
  /** Per instance name: how many answered as the model expects (refused, or accepted if live). */
  asExpected: Record<string, number>;
}

export interface FinalCheck {
  byState: Record<DeviceState, StateCheck>;
  failures: number;
  /** Up to 10, e.g. "B: revoked session 7/12 (id ...): revoked session accepted". */
  examples: string[];
}

const CONCURRENCY = 16;

export async function checkEverySession(
  users: readonly VirtualUser[],
  instances: readonly Instance[],
): Promise<FinalCheck> {
  const states: DeviceState[] = ["revoked", "evicted", "signed-out", "alive"];
  const byState = Object.fromEntries(
    states.map((state) => [
      state,
      { sessions: 0, asExpected: Object.fromEntries(instances.map((i) => [i.name, 0])) },
    ]),
  ) as Record<DeviceState, StateCheck>;
  const result: FinalCheck = { byState, failures: 0, examples: [] };
  const jobs = users.flatMap((user) =>
    user.devices.map((device) => ({ user, device, check: byState[device.state] })),
  );
  for (const job of jobs) job.check.sessions += 1;

  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const { user, device, check } = jobs[next++] as (typeof jobs)[number];
      for (const instance of instances) {
        const reply = await query(instance.url, "session.current", {
          cookie: device.cookie,
          ip: device.ip,
          origin: user.origin,
        });
        let problem: string | null;
        if (device.state === "alive") {
          const data = trpcData(reply.body) as { user?: { id?: string } } | null;
          problem =
            reply.status === 200 && data?.user?.id === user.userId
              ? null
              : `live session refused (${reply.status} ${JSON.stringify(reply.body)?.slice(0, 200)})`;
        } else {
          problem = endedProblem(device, reply);
        }
        if (problem === null) {
          check.asExpected[instance.name] = (check.asExpected[instance.name] ?? 0) + 1;
          continue;
        }
        result.failures += 1;
        if (result.examples.length < 10) {
          result.examples.push(
            `${instance.name}: user ${user.index} device ${device.index} (${device.state}, id ${device.id ?? "unknown"}): ${problem}`,
          );
        }
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return result;
}
