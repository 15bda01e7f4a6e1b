/** Counting for `npm run load`: per-kind latencies and statuses, and every unexpected answer. */
import type { Reply } from "./client";

export const KINDS = [
  "sign-in",
  "current",
  "current (ended session)",
  "list",
  "revoke",
  "revoke-others",
  "sign-out",
] as const;
export type Kind = (typeof KINDS)[number];

export interface KindTally {
  count: number;
  latenciesMs: number[];
  /** Status code (0 = network error) -> count. */
  statuses: Record<string, number>;
  unexpected: number;
}

export interface Unexpected {
  kind: string;
  instance: string;
  user: number;
  problem: string;
  status: number;
  body: string;
  atSec: number;
}

export class Recorder {
  readonly kinds = new Map<string, KindTally>(KINDS.map((kind) => [kind, emptyTally()]));
  readonly unexpected: Unexpected[] = [];
  unexpectedCount = 0;

  private readonly startedAtMs: number;

  constructor(startedAtMs: number) {
    this.startedAtMs = startedAtMs;
  }

  /** Counts one answer; `problem` is null when it was what the model expected. */
  record(kind: Kind, instance: string, user: number, reply: Reply, problem: string | null) {
    const tally = this.kinds.get(kind) ?? emptyTally();
    this.kinds.set(kind, tally);
    tally.count += 1;
    tally.latenciesMs.push(reply.ms);
    tally.statuses[reply.status] = (tally.statuses[reply.status] ?? 0) + 1;
    if (problem === null) return;
    tally.unexpected += 1;
    this.unexpectedCount += 1;
    // Keep the first 200 in full (the report shows 10); the count is exact.
    if (this.unexpected.length < 200) {
      this.unexpected.push({
        kind,
        instance,
        user,
        problem,
        status: reply.status,
        body: reply.error ?? JSON.stringify(reply.body)?.slice(0, 300) ?? "",
        atSec: Math.round((Date.now() - this.startedAtMs) / 100) / 10,
      });
    }
  }
}

function emptyTally(): KindTally {
  return { count: 0, latenciesMs: [], statuses: {}, unexpected: 0 };
}
