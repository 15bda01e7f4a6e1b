/** The part of autocannon 9's programmatic API the benchmark uses (the package ships no types). */
declare module "autocannon" {
  import type { EventEmitter } from "node:events";

  export interface Options {
    url: string;
    connections?: number;
    /** Seconds. */
    duration?: number;
    headers?: Record<string, string>;
    /** A run before the measured one, with these options merged over the main ones. */
    warmup?: { connections?: number; duration?: number };
  }

  export interface Result {
    duration: number;
    errors: number;
    timeouts: number;
    non2xx: number;
    resets: number;
    statusCodeStats: Record<string, { count: number }>;
    requests: { average: number; total: number; sent: number };
    /** Milliseconds, recorded at 1 ms resolution (2xx only). */
    latency: { average: number; p50: number; p99: number; totalCount: number };
    warmup?: Result;
  }

  /** Emits "response" (client, statusCode, bytes, responseTimeMs) for every response of the measured run. */
  export interface Instance extends EventEmitter, PromiseLike<Result> {
    stop(): void;
  }

  export default function autocannon(options: Options): Instance;
}
