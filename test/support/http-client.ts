/** A browser-like HTTP client for the real server: a cookie jar, an Origin, JSON bodies. */
import { CookieJar } from "./cookie-jar";

export class HttpClient {
  readonly jar = new CookieJar();
  /** Every Set-Cookie line of the last response. */
  lastSetCookies: string[] = [];
  /**
   * Sent with every request, under the per-request headers: move the device to another network
   * (`x-forwarded-for` behind a trusted proxy) or browser (`user-agent`) between requests.
   */
  defaultHeaders: Record<string, string> = {};

  readonly baseUrl: string;
  readonly origin: string | null;
  readonly userAgent: string;

  constructor(
    baseUrl: string,
    origin: string | null = baseUrl,
    userAgent = "Mozilla/5.0 (X11; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0",
  ) {
    this.baseUrl = baseUrl;
    this.origin = origin;
    this.userAgent = userAgent;
  }

  async request(
    path: string,
    init: Omit<RequestInit, "headers"> & { headers?: Record<string, string> } = {},
  ) {
    const headers: Record<string, string> = {
      "user-agent": this.userAgent,
      ...this.defaultHeaders,
      ...init.headers,
    };
    const cookie = this.jar.header();
    if (cookie && !("cookie" in headers)) headers.cookie = cookie;
    if (this.origin && !("origin" in headers)) headers.origin = this.origin;
    const response = await fetch(`${this.baseUrl}${path}`, {
      ...init,
      headers,
      redirect: "manual",
    });
    this.lastSetCookies = response.headers.getSetCookie();
    this.jar.store(this.lastSetCookies);
    return response;
  }

  postJson(path: string, body: unknown, headers: Record<string, string> = {}) {
    return this.request(path, {
      method: "POST",
      body: JSON.stringify(body),
      headers: { "content-type": "application/json", ...headers },
    });
  }

  signUp(credentials: { name: string; email: string; password: string }) {
    return this.postJson("/api/auth/sign-up/email", credentials);
  }

  signIn(credentials: { email: string; password: string }) {
    return this.postJson("/api/auth/sign-in/email", credentials);
  }

  query(procedure: string, input?: unknown) {
    const search = input === undefined ? "" : `?input=${encodeURIComponent(JSON.stringify(input))}`;
    return this.request(`/api/trpc/${procedure}${search}`);
  }

  mutate(procedure: string, input?: unknown, headers: Record<string, string> = {}) {
    return this.postJson(`/api/trpc/${procedure}`, input ?? null, headers);
  }

  /** The raw session token in this client's cookie, "" without one (tests only, as Device's). */
  sessionToken(cookieName = "better-auth.session_token"): string {
    return decodeURIComponent(this.jar.get(cookieName) ?? "").split(".")[0] ?? "";
  }
}

/** The parsed attributes of one Set-Cookie line. */
export function parseSetCookie(line: string) {
  const [pair = "", ...rest] = line.split(";").map((part) => part.trim());
  const eq = pair.indexOf("=");
  const attributes = new Map<string, string>();
  for (const attribute of rest) {
    const [key = "", value = ""] = attribute.split("=");
    attributes.set(key.toLowerCase(), value);
  }
  return { name: pair.slice(0, eq), value: pair.slice(eq + 1), attributes };
}
