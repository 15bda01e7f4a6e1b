/**
 * `npm run typecheck`: this example under the three settings a client app may have:
 * tsconfig.json (Vite's react-ts template), tsconfig.nodenext.json and tsconfig.exact.json.
 *
 * The last two also check declaration files (skipLibCheck off), so that the API declaration
 * itself is checked, not only its use. The packages' own declarations then miss what this app
 * does not install: @trpc/server wants Node's `http` and `ws` (@types/node), React Query wants
 * @types/react. Diagnostics inside node_modules are theirs and do not count; everything else
 * does, the API declaration (src/api/app-router.d.ts) included.
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const CONFIGS = ["tsconfig.json", "tsconfig.nodenext.json", "tsconfig.exact.json"];
const PACKAGES = "node_modules/";
const here = fileURLToPath(new URL(".", import.meta.url));
const tsc = fileURLToPath(new URL("node_modules/typescript/bin/tsc", import.meta.url));

let failed = false;
for (const config of CONFIGS) {
  const startedAtMs = Date.now();
  const run = spawnSync(process.execPath, [tsc, "-p", config, "--pretty", "false"], {
    cwd: here,
    encoding: "utf8",
  });
  if (run.error) throw run.error;
  // A diagnostic is one line; its related information follows on indented lines.
  const diagnostics = [];
  for (const line of `${run.stdout}${run.stderr}`.split("\n")) {
    if (line.trim() === "") continue;
    if (/^\s/.test(line) && diagnostics.length > 0)
      diagnostics[diagnostics.length - 1] += `\n${line}`;
    else diagnostics.push(line);
  }
  const ours = diagnostics.filter((diagnostic) => !diagnostic.startsWith(PACKAGES));
  const ignored = diagnostics.length - ours.length;
  const seconds = ((Date.now() - startedAtMs) / 1000).toFixed(1);
  if (ours.length > 0 || (run.status !== 0 && diagnostics.length === 0)) {
    failed = true;
    console.error(`${config}: FAILED (${seconds} s)\n${ours.join("\n")}`);
  } else {
    const note = ignored > 0 ? `, ${ignored} in ${PACKAGES} ignored` : "";
    console.log(`${config}: ok (${seconds} s${note})`);
  }
}
process.exitCode = failed ? 1 : 0;
