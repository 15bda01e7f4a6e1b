import { it } from "vitest";
import { startTestServer } from "../support/app";
import { newCredentials } from "../support/device";
import { HttpClient } from "../support/http-client";
it("debug", async () => {
  const server = await startTestServer("pglite", { SESSION_MAX_PER_USER: "1", SESSION_LIMIT_POLICY: "deny" });
  const c = newCredentials();
  const a = new HttpClient(server.baseUrl);
  console.log((await a.signUp(c)).status);
  const b = new HttpClient(server.baseUrl);
  const r = await b.signIn(c);
  console.log(r.status, [...r.headers], await r.text());
  try {
    await server.deps.auth.api.signInEmail({ body: { email: c.email, password: c.password }, headers: new Headers({"x-session-client-ip": "1.2.3.4"}) });
  } catch (e) { console.log("api", e); }
  await server.close();
});
