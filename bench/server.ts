/**
 * A server child: serves one scenario on 127.0.0.1 (a free port), in its own process so the load
 * generator never shares its event loop. Sends { port } when ready; stops on SIGTERM.
 */
import { createServer, type RequestListener } from "node:http";
import type { AddressInfo } from "node:net";
import { type DatabaseTarget, openTarget } from "./database";
import { createListener } from "./listeners";
import type { ScenarioId } from "./scenarios";

export interface ServerInput {
  scenario: ScenarioId;
  database?: DatabaseTarget;
}

export interface ServerReady {
  port: number;
}

const input = JSON.parse(process.argv[2] ?? "{}") as ServerInput;

// Listen first: the project's configuration needs BASE_URL, which needs the port.
let listener: RequestListener = (_req, res) => {
  res.statusCode = 503;
  res.end();
};
const server = createServer((req, res) => listener(req, res));
await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
const { port } = server.address() as AddressInfo;

const database = input.database ? await openTarget(input.database) : undefined;
const databaseUrl = input.database?.kind === "postgres" ? input.database.url : undefined;
listener = await createListener(input.scenario, database, `http://127.0.0.1:${port}`, databaseUrl);

// Exit at once, database left open: requests still in flight when the load generator stops would
// otherwise fail loudly against a closed pool. The OS closes the sockets; the runner deletes the
// PGlite directory and drops the PostgreSQL database with (force).
process.once("SIGTERM", () => process.exit(0));
// The runner died (Ctrl-C, crash): do not linger holding a port and a database.
process.once("disconnect", () => process.exit(0));

process.send?.({ port } satisfies ServerReady);
