// Part of `npm start`: builds the SPA when no build exists, so a first run needs no extra step.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

if (!existsSync("dist/client/index.html")) {
  console.log("No build of the SPA found: running vite build first...");
  const build = spawnSync("npx", ["vite", "build"], { stdio: "inherit" });
  if (build.status !== 0) process.exit(build.status ?? 1);
}
