/**
 * A browser-like client of the router, in-process: it keeps its cookies between calls and sends
 * them with every request, as a real device would. Calls go through the real context
 * (Better Auth's getSession) and the real router.
 */

import type { AppDependencies } from "../../server/dependencies";
import { appRouter } from "../../server/routers";
import { CLIENT_IP_HEADER } from "../../server/sessions/lifecycle/request-origin";
import { createContext } from "../../server/trpc/context";
import { createCallerFactory } from "../../server/trpc/init";
import { CookieJar } from "./cookie-jar";

const createCaller = createCallerFactory(appRouter);
type Caller = ReturnType<typeof createCaller>;

export const FIREFOX_LINUX =
  "Mozilla/5.0 (X11; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0";
export const SAFARI_IPHONE =
  "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1";

let counter = 0;
export interface Credentials {
  name: string;
  email: string;
  password: string;
}

export function newCredentials(prefix = "user"): Credentials {
  counter += 1;
  return {
    name: `${prefix} ${counter}`,
    email: `${prefix}-${counter}-${Date.now()}@example.com`,
    password: "correct horse battery",
  };
}

export class Device {
  readonly jar = new CookieJar();
  /** Sent as `Authorization: Bearer <bearer>` when set: an API client holding a JWT. */
  bearer: string | null = null;
  /** Change these to move the device to another browser or network. */
  userAgent: string;
  ip: string;
  private readonly deps: AppDependencies;

  constructor(deps: AppDependencies, userAgent = FIREFOX_LINUX, ip = "203.0.113.7") {
    this.deps = deps;
    this.userAgent = userAgent;
    this.ip = ip;
  }

  headers(): Headers {
    const headers = new Headers({
      cookie: this.jar.header(),
      "user-agent": this.userAgent,
      [CLIENT_IP_HEADER]: this.ip,
    });
    if (this.bearer !== null) headers.set("authorization", `Bearer ${this.bearer}`);
    return headers;
  }

  /** A JWT for this device's session, from Better Auth's /token endpoint (as an API client gets one). */
  async apiToken(): Promise<string> {
    const { token } = await this.deps.auth.api.getToken({ headers: this.headers() });
    return token;
  }

  async signUp(credentials: Credentials) {
    const result = await this.deps.auth.api.signUpEmail({
      body: credentials,
      headers: this.headers(),
      returnHeaders: true,
    });
    this.jar.store(result.headers.getSetCookie());
    return result.response;
  }

  async signIn(credentials: Pick<Credentials, "email" | "password">) {
    const result = await this.deps.auth.api.signInEmail({
      body: { email: credentials.email, password: credentials.password },
      headers: this.headers(),
      returnHeaders: true,
    });
    this.jar.store(result.headers.getSetCookie());
    return result.response;
  }

  /** Runs one request against the router; cookies the server sets are kept for the next one. */
  async call<T>(run: (caller: Caller) => Promise<T>): Promise<T> {
    const resHeaders = new Headers();
    try {
      const ctx = await createContext({ deps: this.deps, headers: this.headers(), resHeaders });
      return await run(createCaller(ctx));
    } finally {
      this.jar.store(resHeaders.getSetCookie());
    }
  }

  /** The raw session token in this device's cookie (tests only: to prove it never leaks). */
  sessionToken(prefix = "better-auth"): string | undefined {
    const cookie = this.jar.get(`${prefix}.session_token`);
    return cookie ? decodeURIComponent(cookie).split(".")[0] : undefined;
  }
}
