/**
 * Summarises V8 CPU profiles (`node --cpu-prof`; the bench writes one per child with
 * BENCH_CPU_PROF_DIR=<dir>) to where the time went: the top functions by self time, and the same
 * time grouped by package. For explaining a slow row with evidence rather than a guess.
 *
 * A server profile with load windows beside it (`<name>.load.json`, see bench/profile-windows.ts)
 * is cut to those windows and also given in µs per request. `--baseline=<profile>` sets a second
 * profile against it (d2 against b): per function and package, what the first spends per request
 * more than the baseline. `--under=createContext,fromNodeHeaders` gives the time spent inside
 * (inclusive) each named function and the functions that time went to: what one step of a
 * request costs, whoever's code it calls.
 *
 *   node --import tsx bench/profile-summary.ts <file.cpuprofile | dir> [--top=25]
 *     [--baseline=<file>] [--under=<function>[,<function>…]]
 */
import { readdir, readFile, stat } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { type LoadWindow, loadWindowsOf } from "./profile-windows";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

interface Entry {
  name: string;
  ms: number;
  share: number;
  /** Self time per request served in the load windows; null without windows. */
  usPerRequest: number | null;
}

export interface ProfileSummary {
  file: string;
  totalMs: number;
  /** Of totalMs, the thread idle: waiting for work, not a cost of any request. */
  idleMs: number;
  /** Requests served in the load windows the samples were cut to; null: the whole profile. */
  requests: number | null;
  /** Self time per function (name + where), largest first. */
  functions: (Entry & { where: string })[];
  /** Self time per package (`node_modules/<name>`), our code, node's internals, GC, idle. */
  packages: Entry[];
}

const root = fileURLToPath(new URL("..", import.meta.url));

/** A frame's file: `server/sessions/gate.ts`, `better-auth/dist/…`, `node:internal/…`. */
function shortUrl(url: string): string {
  return url.replace(/^file:\/\/.*?node_modules\//, "").replace(`file://${root}`, "");
}

function packageOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith("(") ? functionName : "(native)";
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (match?.[1]) return match[1];
  if (url.startsWith("node:")) return "node internals";
  const relative = url.replace(/^file:\/\//, "");
  const top = /\/(server|db|bench|shared)\//.exec(relative);
  return top ? `ours: ${top[1]}/` : "other";
}

/**
 * Self µs per profile node, only from samples inside `windows` when there are any. A sample
 * counts for the time since the previous one, but at most 3× the median interval: on a busy
 * machine the process waits for a core now and then, and the whole wait (tens of ms) would
 * otherwise be charged to whatever function it happened to resume in.
 */
function selfTimes(profile: CpuProfile, windows: LoadWindow[] | null): Map<number, number> {
  const sorted = Float64Array.from(profile.timeDeltas).sort();
  const capUs = 3 * (sorted[Math.floor(sorted.length / 2)] ?? 1000);
  const selfUs = new Map<number, number>();
  let at = profile.startTime;
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    at += delta;
    if (windows && !windows.some((w) => at >= w.fromUs && at <= w.toUs)) return;
    selfUs.set(id, (selfUs.get(id) ?? 0) + Math.min(delta, capUs));
  });
  return selfUs;
}

export function summarizeProfile(
  file: string,
  profile: CpuProfile,
  windows: LoadWindow[] | null = null,
  top = 25,
): ProfileSummary {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const functions = new Map<string, { name: string; where: string; us: number }>();
  const packages = new Map<string, number>();
  let totalUs = 0;
  for (const [id, us] of selfTimes(profile, windows)) {
    const frame = byId.get(id)?.callFrame;
    if (!frame) continue;
    totalUs += us;
    const name = frame.functionName || "(anonymous)";
    const where = frame.url ? `${shortUrl(frame.url)}:${frame.lineNumber + 1}` : "";
    const key = `${name} ${where}`;
    const entry = functions.get(key) ?? { name, where, us: 0 };
    entry.us += us;
    functions.set(key, entry);
    const pkg = packageOf(frame.url, name);
    packages.set(pkg, (packages.get(pkg) ?? 0) + us);
  }
  const requests = windows ? windows.reduce((sum, w) => sum + w.requests, 0) : null;
  const entry = (us: number) => ({
    ms: us / 1000,
    share: totalUs ? us / totalUs : 0,
    usPerRequest: requests ? us / requests : null,
  });
  return {
    file,
    totalMs: totalUs / 1000,
    idleMs: (packages.get("(idle)") ?? 0) / 1000,
    requests,
    functions: [...functions.values()]
      .sort((a, b) => b.us - a.us)
      .slice(0, top)
      .map(({ name, where, us }) => ({ name, where, ...entry(us) })),
    packages: [...packages.entries()]
      .sort((a, b) => b[1] - a[1])
      .map(([name, us]) => ({ name, ...entry(us) })),
  };
}

const pct = (value: number) => `${(value * 100).toFixed(1)} %`;
const us = (value: number | null) => (value === null ? "–" : value.toFixed(1));

/** CPU µs per request in the load windows, idle time left out. */
function busyUsPerRequest(summary: ProfileSummary): number {
  return ((summary.totalMs - summary.idleMs) * 1000) / (summary.requests || 1);
}

export function formatSummary(summary: ProfileSummary): string {
  const perRequest = summary.requests !== null;
  const scope = perRequest
    ? `, load windows only: ${summary.requests?.toLocaleString("en-US")} requests, ${us(busyUsPerRequest(summary))} µs sampled each, idle left out`
    : "";
  const extra = (e: Entry) => (perRequest ? ` ${us(e.usPerRequest)} |` : "");
  return [
    `## ${path.basename(summary.file)} (${(summary.totalMs / 1000).toFixed(1)} s sampled${scope})`,
    "",
    `| Package | self ms | share |${perRequest ? " µs/request |" : ""}`,
    `|---|--:|--:|${perRequest ? "--:|" : ""}`,
    ...summary.packages.map(
      (p) => `| ${p.name} | ${p.ms.toFixed(0)} | ${pct(p.share)} |${extra(p)}`,
    ),
    "",
    `| Function | Where | self ms | share |${perRequest ? " µs/request |" : ""}`,
    `|---|---|--:|--:|${perRequest ? "--:|" : ""}`,
    ...summary.functions.map(
      (f) => `| \`${f.name}\` | ${f.where} | ${f.ms.toFixed(0)} | ${pct(f.share)} |${extra(f)}`,
    ),
    "",
  ].join("\n");
}

/**
 * What `measured` spends per request more than `baseline`, per package and per function, largest
 * difference first. Both need load windows: only µs per request compare across rows.
 */
export function formatDifference(
  measured: ProfileSummary,
  baseline: ProfileSummary,
  top = 25,
): string {
  if (measured.requests === null || baseline.requests === null) {
    return "Both profiles need load windows (<name>.load.json) to be compared per request.\n";
  }
  const measuredTotal = busyUsPerRequest(measured);
  const baselineTotal = busyUsPerRequest(baseline);
  const rows = <T extends Entry>(
    a: T[],
    b: T[],
    key: (e: T) => string,
    label: (e: T) => string,
  ) => {
    const base = new Map(b.map((e) => [key(e), e.usPerRequest ?? 0]));
    const keys = new Set([...a.map(key), ...b.map(key)]);
    const all = new Map([...b, ...a].map((e) => [key(e), e]));
    return [...keys]
      .filter((k) => !k.startsWith("(idle)"))
      .map((k) => {
        const m = a.find((e) => key(e) === k)?.usPerRequest ?? 0;
        const bl = base.get(k) ?? 0;
        return { label: label(all.get(k) as T), m, bl, diff: m - bl };
      })
      .sort((x, y) => y.diff - x.diff)
      .slice(0, top)
      .map(
        (r) =>
          `| ${r.label} | ${us(r.bl)} | ${us(r.m)} | ${r.diff >= 0 ? "+" : ""}${us(r.diff)} | ${pct(r.diff / (measuredTotal - baselineTotal || 1))} |`,
      );
  };
  const head = (what: string) => [
    `| ${what} | baseline µs/req | measured µs/req | difference | share of the gap |`,
    "|---|--:|--:|--:|--:|",
  ];
  return [
    `## ${path.basename(measured.file)} against ${path.basename(baseline.file)}`,
    "",
    `${us(measuredTotal)} µs sampled per request against ${us(baselineTotal)} (idle left out): ${us(measuredTotal - baselineTotal)} µs more. Functions: the largest differences among each profile's top ${top * 8}.`,
    "",
    ...head("Package"),
    ...rows(
      measured.packages,
      baseline.packages,
      (e) => e.name,
      (e) => e.name,
    ),
    "",
    ...head("Function"),
    ...rows(
      measured.functions,
      baseline.functions,
      (e) => `${e.name} ${e.where}`,
      (e) => `\`${e.name}\` ${e.where}`,
    ),
    "",
  ].join("\n");
}

/**
 * Sampled time inside each of `roots` (by function name, the innermost one on the stack when
 * they nest) and, under each, self time by function: inclusive costs of one step.
 */
export function formatUnder(
  file: string,
  profile: CpuProfile,
  windows: LoadWindow[] | null,
  roots: string[],
  top = 15,
): string {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes)
    for (const child of node.children ?? []) parentOf.set(child, node.id);
  const rootOf = (id: number): string | null => {
    for (let at: number | undefined = id; at !== undefined; at = parentOf.get(at)) {
      const name = byId.get(at)?.callFrame.functionName ?? "";
      if (roots.includes(name)) return name;
    }
    return null;
  };
  const inside = new Map<string, { us: number; leaves: Map<string, number> }>();
  let busyUs = 0;
  for (const [id, us] of selfTimes(profile, windows)) {
    const frame = byId.get(id)?.callFrame;
    if (!frame || frame.functionName === "(idle)") continue;
    busyUs += us;
    const root = rootOf(id);
    if (!root) continue;
    const entry = inside.get(root) ?? { us: 0, leaves: new Map() };
    entry.us += us;
    const leaf = `\`${frame.functionName || "(anonymous)"}\` ${shortUrl(frame.url)}`;
    entry.leaves.set(leaf, (entry.leaves.get(leaf) ?? 0) + us);
    inside.set(root, entry);
  }
  const requests = windows ? windows.reduce((sum, w) => sum + w.requests, 0) : null;
  const perRequest = (value: number) => (requests ? us(value / requests) : "–");
  const cell = (value: number) =>
    `${(value / 1000).toFixed(0)} | ${pct(value / (busyUs || 1))} | ${perRequest(value)}`;
  return [
    `## ${path.basename(file)}: inside ${roots.join(", ")}`,
    "",
    ...roots.flatMap((root) => {
      const entry = inside.get(root);
      if (!entry) return [`\`${root}\`: no samples`, ""];
      return [
        `\`${root}\` (inclusive): ${(entry.us / 1000).toFixed(0)} ms, ${pct(entry.us / (busyUs || 1))} of busy time, ${perRequest(entry.us)} µs/request`,
        "",
        "| Function (self time inside it) | ms | share of busy time | µs/request |",
        "|---|--:|--:|--:|",
        ...[...entry.leaves.entries()]
          .sort((a, b) => b[1] - a[1])
          .slice(0, top)
          .map(([leaf, value]) => `| ${leaf} | ${cell(value)} |`),
        "",
      ];
    }),
  ].join("\n");
}

async function load(file: string, top: number): Promise<ProfileSummary> {
  const profile = JSON.parse(await readFile(file, "utf8")) as CpuProfile;
  return summarizeProfile(file, profile, await loadWindowsOf(file), top);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const top = Number(args.find((arg) => arg.startsWith("--top="))?.slice(6) ?? 25);
  const baselineFile = args.find((arg) => arg.startsWith("--baseline="))?.slice(11);
  const under = args
    .find((arg) => arg.startsWith("--under="))
    ?.slice(8)
    .split(",")
    .filter(Boolean);
  const targets = args.filter((arg) => !arg.startsWith("--"));
  if (targets.length === 0) {
    process.stderr.write(
      "Usage: node --import tsx bench/profile-summary.ts <file.cpuprofile | dir> [--top=25] [--baseline=<file.cpuprofile>] [--under=<function>,…]\n",
    );
    process.exit(2);
  }
  // Comparisons look further down each profile: a function below the top 25 of one may carry a
  // few µs of the difference.
  const baseline = baselineFile ? await load(baselineFile, top * 8) : null;
  for (const target of targets) {
    const files = (await stat(target)).isDirectory()
      ? (await readdir(target))
          .filter((name) => name.endsWith(".cpuprofile"))
          .map((name) => path.join(target, name))
      : [target];
    for (const file of files.sort()) {
      if (under) {
        const profile = JSON.parse(await readFile(file, "utf8")) as CpuProfile;
        process.stdout.write(
          `${formatUnder(file, profile, await loadWindowsOf(file), under, top)}\n`,
        );
      } else if (baseline) {
        process.stdout.write(`${formatDifference(await load(file, top * 8), baseline, top)}\n`);
      } else {
        process.stdout.write(`${formatSummary(await load(file, top))}\n`);
      }
    }
  }
}
