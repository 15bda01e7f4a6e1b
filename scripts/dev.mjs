// `npm run dev`: the API server with watch (tsx) and the Vite dev server, which proxies /api to it.
import { spawn } from "node:child_process";

const env = { ...process.env, NODE_ENV: process.env.NODE_ENV ?? "development" };
// The Vite dev server's origin sends the browser's requests, so Better Auth must trust it.
env.TRUSTED_ORIGINS = [env.TRUSTED_ORIGINS, "http://localhost:5173"].filter(Boolean).join(",");

const children = [
  spawn("npx", ["tsx", "watch", "--clear-screen=false", "server/main.ts"], {
    stdio: "inherit",
    env,
  }),
  spawn("npx", ["vite"], { stdio: "inherit", env }),
];
const stopAll = () => {
  for (const child of children) child.kill("SIGTERM");
};
for (const child of children) child.on("exit", stopAll);
process.on("SIGINT", stopAll);
process.on("SIGTERM", stopAll);
