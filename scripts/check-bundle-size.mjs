// The SPA's initial JavaScript for the sign-in page, against its budget (ADR 0025).
//
//   node scripts/check-bundle-size.mjs [distDir] [--budget-kb N]
//
// Reads the build's manifest (vite `build.manifest`), takes the entry chunk and every chunk it
// imports statically (what index.html loads and modulepreloads), plus the sign-in page's own
// chunk and its static imports should it ever be split off, and sums their gzip sizes (zlib's
// default level, which a compressing server or CDN typically uses). Exits 1 above the budget.
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

export const BUDGET_KB = 110;
/** The pages a signed-out visitor lands on first, as keys of the manifest (relative to client/). */
const FIRST_PAGES = ["features/auth/sign-in-page.tsx"];

/**
 * The chunks of the initial load and their sizes in bytes.
 * @param {string} distDir the build's output folder (with .vite/manifest.json)
 */
export function measureInitialJs(distDir) {
  const manifest = JSON.parse(readFileSync(path.join(distDir, ".vite", "manifest.json"), "utf8"));
  const entries = Object.keys(manifest).filter((key) => manifest[key].isEntry);
  if (entries.length !== 1) throw new Error(`Expected one entry chunk, found ${entries.length}`);
  const roots = [...entries, ...FIRST_PAGES.filter((key) => key in manifest)];
  const seen = new Set();
  const visit = (key) => {
    if (seen.has(key)) return;
    seen.add(key);
    for (const imported of manifest[key].imports ?? []) visit(imported);
  };
  for (const root of roots) visit(root);
  const chunks = [...seen]
    .map((key) => manifest[key].file)
    .filter((file) => file.endsWith(".js"))
    .map((file) => {
      const bytes = readFileSync(path.join(distDir, file));
      return { file, rawBytes: bytes.length, gzipBytes: gzipSync(bytes).length };
    })
    .sort((a, b) => b.gzipBytes - a.gzipBytes);
  const gzipBytes = chunks.reduce((sum, chunk) => sum + chunk.gzipBytes, 0);
  const rawBytes = chunks.reduce((sum, chunk) => sum + chunk.rawBytes, 0);
  return { chunks, rawBytes, gzipBytes };
}

const kb = (bytes) => `${(bytes / 1000).toFixed(2)} kB`;

function main(args) {
  const budgetAt = args.indexOf("--budget-kb");
  const budgetKb = budgetAt === -1 ? BUDGET_KB : Number(args[budgetAt + 1]);
  if (!(budgetKb > 0)) throw new Error("--budget-kb needs a positive number");
  const positional = args.filter(
    (arg, i) => !arg.startsWith("--") && args[i - 1] !== "--budget-kb",
  );
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
  const distDir = path.resolve(positional[0] ?? path.join(root, "dist", "client"));
  const { chunks, rawBytes, gzipBytes } = measureInitialJs(distDir);
  console.log("Initial JavaScript of the sign-in page (entry + static imports):");
  for (const chunk of chunks) {
    console.log(
      `  ${chunk.file.padEnd(44)} ${kb(chunk.rawBytes).padStart(11)}  gzip ${kb(chunk.gzipBytes).padStart(10)}`,
    );
  }
  console.log(
    `  ${"total".padEnd(44)} ${kb(rawBytes).padStart(11)}  gzip ${kb(gzipBytes).padStart(10)}`,
  );
  if (gzipBytes > budgetKb * 1000) {
    console.error(`Over budget: ${kb(gzipBytes)} gzip > ${budgetKb} kB. See docs/decisions/0024.`);
    return 1;
  }
  console.log(`Within budget: ${kb(gzipBytes)} gzip <= ${budgetKb} kB.`);
  return 0;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = main(process.argv.slice(2));
}
