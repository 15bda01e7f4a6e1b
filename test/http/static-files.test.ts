/**
 * What the server answers outside /api: the SPA, served with an index.html fallback, immutable
 * hashed assets and no way out of its folder; and /healthz.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { databaseKinds } from "../support/environment";
import { useTestServer } from "../support/fixtures";
import { waitFor } from "../support/wait";

/** A raw GET, so "/../x" reaches the server unnormalized (fetch would resolve the dots). */
function rawGet(baseUrl: string, rawPath: string) {
  const { hostname, port } = new URL(baseUrl);
  return new Promise<{ status: number; body: string; headers: Record<string, unknown> }>(
    (resolve, reject) => {
      const req = request({ hostname, port, path: rawPath, method: "GET" }, (res) => {
        let body = "";
        res.on("data", (chunk) => {
          body += chunk;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
      });
      req.on("error", reject);
      req.end();
    },
  );
}

describe("static SPA serving", () => {
  const root = mkdtempSync(path.join(tmpdir(), "sessions-static-"));
  const staticDir = path.join(root, "client");
  const server = useTestServer("pglite", {}, staticDir);

  beforeAll(async () => {
    mkdirSync(path.join(staticDir, "assets"), { recursive: true });
    writeFileSync(path.join(staticDir, "index.html"), "<!doctype html><title>SPA</title>");
    writeFileSync(path.join(staticDir, "assets", "app-1234.js"), "console.log('app')");
    writeFileSync(path.join(root, "secret.txt"), "do not serve");
  });
  afterAll(async () => {
    rmSync(root, { recursive: true, force: true });
  });

  it("serves index.html for client-side routes, uncached, with security headers", async () => {
    const response = await fetch(`${server.baseUrl}/sessions`);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain("<title>SPA</title>");
    expect(response.headers.get("cache-control")).toBe("no-cache");
    expect(response.headers.get("content-security-policy")).toContain("default-src 'self'");
    expect(response.headers.get("x-frame-options")).toBe("DENY");
  });

  it("serves hashed assets as immutable", async () => {
    const response = await fetch(`${server.baseUrl}/assets/app-1234.js`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("text/javascript");
    expect(response.headers.get("cache-control")).toContain("immutable");
  });

  it("never serves a file outside the build folder", async () => {
    for (const attempt of [
      "/../secret.txt",
      "/%2e%2e/secret.txt",
      "/assets/..%2f..%2fsecret.txt",
    ]) {
      const response = await rawGet(server.baseUrl, attempt);
      expect(response.body, attempt).not.toContain("do not serve");
    }
    expect((await rawGet(server.baseUrl, "/%E0%A4%A")).status).toBe(400);
  });

  it("answers unknown API routes with a JSON 404, not the SPA", async () => {
    const response = await fetch(`${server.baseUrl}/api/nothing-here`);
    expect(response.status).toBe(404);
    expect(response.headers.get("content-type")).toContain("application/json");
  });
});

describe.each(databaseKinds)("/healthz on %s", (kind) => {
  const server = useTestServer(kind);

  it("reports database health", async () => {
    // Start-up waits at most 2 s for the session cache's first ping to come back; on a busy
    // machine it may start bypassed, and the heartbeat makes it trusted moments later.
    const body = await waitFor(
      async () => {
        const response = await fetch(`${server.baseUrl}/healthz`);
        expect(response.status).toBe(200);
        const health = await response.json();
        return health.sessionCache === "trusted" ? health : null;
      },
      15_000,
      "a trusted session cache",
    );
    expect(body).toEqual({ ok: true, database: "up", sessionCache: "trusted" });
  });
});
