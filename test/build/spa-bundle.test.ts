/**
 * The SPA's size budget, as CI checks it (ADR 0025): a production build without Vite's
 * chunk-size warning, whose initial JavaScript for the sign-in page stays within 110 kB gzip,
 * and the check itself failing above a budget.
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const projectRoot = fileURLToPath(new URL("../..", import.meta.url));
const checkScript = path.join(projectRoot, "scripts/check-bundle-size.mjs");

/** The check's exit code and output (a failing exit is an answer, not an exception). */
async function check(args: string[]) {
  try {
    const { stdout, stderr } = await run(process.execPath, [checkScript, ...args]);
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? 1, output: `${failed.stdout ?? ""}${failed.stderr ?? ""}` };
  }
}

describe("the SPA bundle", () => {
  let outDir: string;
  let buildOutput: string;
  beforeAll(async () => {
    outDir = await mkdtemp(path.join(tmpdir(), "sessions-bundle-"));
    const { stdout, stderr } = await run(
      process.execPath,
      [path.join(projectRoot, "node_modules/vite/bin/vite.js"), "build", "--outDir", outDir],
      // As `npm run build` runs: vitest's NODE_ENV=test would give React's development build.
      {
        cwd: projectRoot,
        maxBuffer: 16 * 1024 * 1024,
        env: { ...process.env, NODE_ENV: "production" },
      },
    );
    buildOutput = stdout + stderr;
  });
  afterAll(() => rm(outDir, { recursive: true, force: true }));

  it("builds without Vite's chunk-size warning", () => {
    expect(buildOutput).toContain("built in");
    expect(buildOutput).not.toMatch(/larger than \d+ kB/);
  });

  it("keeps the sign-in page's initial JavaScript within 110 kB gzip", async () => {
    const { code, output } = await check([outDir]);
    expect(output).toMatch(/Within budget: [\d.]+ kB gzip <= 110 kB/);
    expect(code, output).toBe(0);
    // The signed-in area's libraries are not part of it.
    const listed = output.split("\n").filter((line) => line.includes("assets/"));
    expect(listed.length).toBeGreaterThan(0);
    expect(listed.join("\n")).not.toMatch(/trpc|schemas|signed-in/);
  });

  it("fails above the budget", async () => {
    const { code, output } = await check([outDir, "--budget-kb", "50"]);
    expect(code).toBe(1);
    expect(output).toMatch(/Over budget: [\d.]+ kB gzip > 50 kB/);
  });
});
