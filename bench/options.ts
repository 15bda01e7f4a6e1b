/** `npm run bench`'s command line (and the environment variables that stand in for it). */
import type { DatabaseKind } from "./database";
import { parseRuntimeList, type RuntimeRequest } from "./runtimes";
import { SCENARIOS } from "./scenarios";

export interface BenchOptions {
  quick: boolean;
  only: DatabaseKind | undefined;
  requirePostgres: boolean;
  noScale: boolean;
  scaleSessions: number;
  /** Empty: the default (the runner's `node` and Node 24 when available). */
  runtimes: RuntimeRequest[];
  /** Which runtime serves the scale phase, by name (`node24`); undefined: the first one. */
  scaleRuntime: string | undefined;
  /** Row keys of the HTTP load table to run (`b,b2,d2`); undefined: all of them. */
  rows: string[] | undefined;
}

export const USAGE = `Usage: npm run bench [-- options]
  --quick                  smoke run: 2 s per row, scale phase on 20,000 sessions, results git-ignored
  --only=pglite|postgres   one database only (--only=pglite skips the scale phase)
  --require-postgres       fail instead of falling back to PGlite only
  --no-scale               without the scale phase
  --scale-sessions=N       the scale phase's table size (default 1,000,000)
  --runtimes=node20,node24 the Node.js runtimes every row runs on (default: this node and Node 24)
  --node=/path/to/node     a runtime by its binary (repeatable; with --runtimes, both count)
  --scale-runtime=node24   the runtime the scale phase runs on (default: the first one)
  --rows=b,b2,d2           only these rows of the HTTP load table (keys: ${SCENARIOS.map((s) => s.key).join(", ")})
Environment: BENCH_QUICK=1, BENCH_ONLY, BENCH_REQUIRE_POSTGRES=1, BENCH_NO_SCALE=1,
BENCH_SCALE_SESSIONS, BENCH_RUNTIMES, BENCH_ROWS, BENCH_DATABASE_URL, BENCH_CPU_PROF_DIR.
`;

const KNOWN =
  /^--(help|quick|require-postgres|no-scale|only=(pglite|postgres)|scale-sessions=\d+|runtimes=.+|node=.+|scale-runtime=.+|rows=.+)$/;

/** Parses argv; prints the usage and exits on --help or anything it does not know. */
export function parseOptions(args: string[], env: NodeJS.ProcessEnv): BenchOptions {
  const fail = (message: string): never => {
    process.stderr.write(`${message}\n\n${USAGE}`);
    process.exit(2);
  };
  if (args.includes("--help") || args.includes("-h")) {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  const unknown = args.filter((arg) => !KNOWN.test(arg));
  if (unknown.length > 0) fail(`Unknown option ${unknown.join(" ")}`);
  const value = (name: string) =>
    args.findLast((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3);

  const quick = args.includes("--quick") || env.BENCH_QUICK === "1";
  const only = (value("only") ?? env.BENCH_ONLY) as DatabaseKind | undefined;
  if (only && only !== "pglite" && only !== "postgres") {
    fail(`BENCH_ONLY must be pglite or postgres, not ${only}`);
  }
  const scaleSessions = Number(
    value("scale-sessions") ?? env.BENCH_SCALE_SESSIONS ?? (quick ? 20_000 : 1_000_000),
  );
  if (!Number.isInteger(scaleSessions) || scaleSessions < 1000) {
    fail("--scale-sessions must be a whole number of at least 1000");
  }

  let runtimes: RuntimeRequest[] = [];
  try {
    const list = value("runtimes") ?? env.BENCH_RUNTIMES;
    runtimes = list ? parseRuntimeList(list) : [];
  } catch (error) {
    fail(`--runtimes: ${error instanceof Error ? error.message : String(error)}`);
  }
  for (const arg of args.filter((a) => a.startsWith("--node="))) {
    runtimes.push({ kind: "path", path: arg.slice("--node=".length) });
  }

  const rowList = value("rows") ?? env.BENCH_ROWS;
  const rows = rowList
    ?.split(",")
    .map((key) => key.trim())
    .filter(Boolean);
  const keys = new Set(SCENARIOS.map((scenario) => scenario.key));
  const unknownRows = rows?.filter((key) => !keys.has(key)) ?? [];
  if (unknownRows.length > 0) fail(`--rows: no row ${unknownRows.join(", ")}`);

  return {
    quick,
    only,
    requirePostgres: args.includes("--require-postgres") || env.BENCH_REQUIRE_POSTGRES === "1",
    noScale: args.includes("--no-scale") || env.BENCH_NO_SCALE === "1",
    scaleSessions,
    runtimes,
    scaleRuntime: value("scale-runtime"),
    rows,
  };
}
