/**
 * Summarises V8 CPU profiles (`node --cpu-prof`; the bench writes one per child with
 * BENCH_CPU_PROF_DIR=<dir>) to where the time went: the top functions by self time, and the same
 * time grouped by package. For explaining a slow row with evidence rather than a guess.
 *
 *   node --import tsx bench/profile-summary.ts <file.cpuprofile | dir> [--top=25]
 */
import { readdir, readFile, stat } from "node:fs/promises";
import path from "node:path";

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

export interface ProfileSummary {
  file: string;
  totalMs: number;
  /** Self time per function (name + where), largest first. */
  functions: { name: string; where: string; ms: number; share: number }[];
  /** Self time per package (`node_modules/<name>`), our code, node's internals, GC, idle. */
  packages: { name: string; ms: number; share: number }[];
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

export function summarizeProfile(file: string, profile: CpuProfile, top = 25): ProfileSummary {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => {
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  const functions = new Map<string, { name: string; where: string; us: number }>();
  const packages = new Map<string, number>();
  let totalUs = 0;
  for (const [id, us] of selfUs) {
    const frame = byId.get(id)?.callFrame;
    if (!frame) continue;
    totalUs += us;
    const name = frame.functionName || "(anonymous)";
    const where = frame.url
      ? `${frame.url.replace(/^file:\/\/.*?node_modules\//, "").replace(/^file:\/\/\/work\/main\//, "")}:${frame.lineNumber + 1}`
      : "";
    const key = `${name} ${where}`;
    const entry = functions.get(key) ?? { name, where, us: 0 };
    entry.us += us;
    functions.set(key, entry);
    const pkg = packageOf(frame.url, name);
    packages.set(pkg, (packages.get(pkg) ?? 0) + us);
  }
  const share = (us: number) => (totalUs ? us / totalUs : 0);
  return {
    file,
    totalMs: totalUs / 1000,
    functions: [...functions.values()]
      .sort((a, b) => b.us - a.us)
      .slice(0, top)
      .map(({ name, where, us }) => ({ name, where, ms: us / 1000, share: share(us) })),
    packages: [...packages.entries()]
      .sort((a, b) => b[1] - a[1])
      .map(([name, us]) => ({ name, ms: us / 1000, share: share(us) })),
  };
}

export function formatSummary(summary: ProfileSummary): string {
  const pct = (value: number) => `${(value * 100).toFixed(1)} %`;
  return [
    `## ${path.basename(summary.file)} (${(summary.totalMs / 1000).toFixed(1)} s sampled)`,
    "",
    "| Package | self ms | share |",
    "|---|--:|--:|",
    ...summary.packages.map((p) => `| ${p.name} | ${p.ms.toFixed(0)} | ${pct(p.share)} |`),
    "",
    "| Function | Where | self ms | share |",
    "|---|---|--:|--:|",
    ...summary.functions.map(
      (f) => `| \`${f.name}\` | ${f.where} | ${f.ms.toFixed(0)} | ${pct(f.share)} |`,
    ),
    "",
  ].join("\n");
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const top = Number(args.find((arg) => arg.startsWith("--top="))?.slice(6) ?? 25);
  const targets = args.filter((arg) => !arg.startsWith("--"));
  if (targets.length === 0) {
    process.stderr.write(
      "Usage: node --import tsx bench/profile-summary.ts <file.cpuprofile | dir> [--top=25]\n",
    );
    process.exit(2);
  }
  for (const target of targets) {
    const files = (await stat(target)).isDirectory()
      ? (await readdir(target))
          .filter((name) => name.endsWith(".cpuprofile"))
          .map((name) => path.join(target, name))
      : [target];
    for (const file of files.sort()) {
      const profile = JSON.parse(await readFile(file, "utf8")) as CpuProfile;
      process.stdout.write(`${formatSummary(summarizeProfile(file, profile, top))}\n`);
    }
  }
}
