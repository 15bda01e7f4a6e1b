/**
 * The Node.js binaries the bench children run on. `npm run bench` measures every row on each of
 * them, so that Node 20 and Node 24 can be compared in one run on one quiet machine rather than
 * across runs days apart. The runner itself (and with it the load generator) always stays on the
 * `node` that started it: the same client for every runtime.
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export interface Runtime {
  /** How the report names it: `node20`, `node24`, … (`node24-24.1.0` when two share a major). */
  name: string;
  /** `process.version` of the binary, e.g. `v24.22.3`. */
  version: string;
  major: number;
  /** Where it came from: the runner's own `node`, the pinned download, or `--node=<path>`. */
  source: "current" | "pinned" | "path";
  execPath: string;
}

/** The Node 24 release the bench installs when asked for `node24` on a machine without it. */
export const PINNED_NODE_24 = "24.22.3";

const root = fileURLToPath(new URL("..", import.meta.url));

/** `node24` asked for on the command line, or a binary given by path. */
export type RuntimeRequest = { kind: "major"; major: number } | { kind: "path"; path: string };

/** `node20,node24` (or `current`) into requests; throws on anything else. */
export function parseRuntimeList(list: string): RuntimeRequest[] {
  return list
    .split(",")
    .map((item) => item.trim())
    .filter(Boolean)
    .map((item): RuntimeRequest => {
      if (item === "current") return { kind: "major", major: currentMajor() };
      const match = /^node(\d+)$/.exec(item);
      if (!match)
        throw new Error(`unknown runtime "${item}": use nodeNN (node20, node24) or current`);
      return { kind: "major", major: Number(match[1]) };
    });
}

/**
 * Resolves the requests to binaries, in order, without duplicates. `nodeNN` is the runner's own
 * `node` when that is Node NN, else (Node 24 only) the pinned release, installed on first use.
 */
export function resolveRuntimes(
  requests: RuntimeRequest[],
  log: (line: string) => void,
): Runtime[] {
  const runtimes: Runtime[] = [];
  for (const request of requests) {
    const runtime =
      request.kind === "path" ? probe(request.path, "path") : byMajor(request.major, log);
    if (runtimes.some((known) => known.execPath === runtime.execPath)) continue;
    runtimes.push(runtime);
  }
  // Two binaries of one major need names the report can tell apart.
  for (const runtime of runtimes) {
    if (runtimes.filter((other) => other.major === runtime.major).length > 1) {
      runtime.name = `node${runtime.major}-${runtime.version.slice(1)}`;
    }
  }
  return runtimes;
}

/**
 * The default: the runner's `node` and Node 24 beside it. Node 24 is left out, loudly, when it
 * cannot be installed (no registry): the run still measures what it can.
 */
export function defaultRuntimes(log: (line: string) => void): Runtime[] {
  const current = probe(process.execPath, "current");
  if (current.major === 24) return [current];
  try {
    return [current, pinnedNode24(log)];
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    log(
      `\n${"!".repeat(78)}\n!! Node 24 unavailable (${why.split("\n")[0]}): measuring ${current.name} only.\n${"!".repeat(78)}\n`,
    );
    return [current];
  }
}

function currentMajor(): number {
  return Number(process.versions.node.split(".")[0]);
}

function byMajor(major: number, log: (line: string) => void): Runtime {
  if (major === currentMajor()) return probe(process.execPath, "current");
  if (major === 24) return pinnedNode24(log);
  throw new Error(
    `no Node ${major} here (the runner is ${process.version}): pass its binary with --node=/path/to/node`,
  );
}

/**
 * The pinned Node 24 from npm's `node-<platform>-<arch>` package (the official binary, the same
 * one `npm install node@24` fetches), kept under node_modules/.cache so `npm ci` starts afresh.
 */
function pinnedNode24(log: (line: string) => void): Runtime {
  const pkg = `node-${process.platform}-${process.arch}`;
  const prefix = path.join(
    root,
    "node_modules",
    ".cache",
    "bench-runtimes",
    `node-${PINNED_NODE_24}`,
  );
  const binary = path.join(prefix, "node_modules", pkg, "bin", "node");
  if (!existsSync(binary)) {
    log(`Installing Node ${PINNED_NODE_24} (${pkg}) into ${path.relative(root, prefix)} ...`);
    execFileSync(
      "npm",
      [
        "install",
        "--no-save",
        "--no-audit",
        "--no-fund",
        "--prefix",
        prefix,
        `${pkg}@${PINNED_NODE_24}`,
      ],
      { stdio: ["ignore", "ignore", "inherit"], timeout: 300_000 },
    );
  }
  const runtime = probe(binary, "pinned");
  if (runtime.version !== `v${PINNED_NODE_24}`) {
    throw new Error(`${binary} is ${runtime.version}, not v${PINNED_NODE_24}`);
  }
  return runtime;
}

/** Asks the binary its version: a path that is not a working node fails here, not mid-run. */
function probe(execPath: string, source: Runtime["source"]): Runtime {
  const version = execFileSync(execPath, ["--version"], {
    encoding: "utf8",
    timeout: 30_000,
  }).trim();
  const major = Number(/^v(\d+)\./.exec(version)?.[1]);
  if (!Number.isInteger(major)) throw new Error(`${execPath} --version said "${version}"`);
  return { name: `node${major}`, version, major, source, execPath };
}
