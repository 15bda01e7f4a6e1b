/**
 * The HTTP side of `npm run load`: one request as a browser device would send it (its session
 * cookie, its own client address behind the trusted proxy, an allowed Origin), timed, never
 * throwing. Devices keep the Cookie header their sign-in set: the final check must present the
 * exact cookie of an ended session, whatever a later response tried to clear.
 */
import { BENCH_PASSWORD, BENCH_USER_AGENT } from "../sign-up";

export interface Reply {
  /** 0 when the request failed before a response (network error, timeout). */
  status: number;
  /** The parsed JSON body, or null (not JSON, or no response). */
  body: unknown;
  setCookies: string[];
  ms: number;
  /** The network error's message, when status is 0. */
  error?: string;
}

export interface RequestOptions {
  method?: "GET" | "POST";
  body?: unknown;
  cookie?: string;
  /** The device's address, sent as X-Forwarded-For (believed from 127.0.0.1 only). */
  ip: string;
  origin: string;
}

const TIMEOUT_MS = 30_000;

export async function send(baseUrl: string, path: string, options: RequestOptions): Promise<Reply> {
  const headers: Record<string, string> = {
    "user-agent": BENCH_USER_AGENT,
    "x-forwarded-for": options.ip,
    origin: options.origin,
  };
  if (options.cookie) headers.cookie = options.cookie;
  if (options.body !== undefined) headers["content-type"] = "application/json";
  const started = performance.now();
  try {
    const response = await fetch(`${baseUrl}${path}`, {
      method: options.method ?? "GET",
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      redirect: "manual",
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    const text = await response.text();
    const ms = performance.now() - started;
    let body: unknown = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      body = text.slice(0, 200);
    }
    return { status: response.status, body, setCookies: response.headers.getSetCookie(), ms };
  } catch (error) {
    return {
      status: 0,
      body: null,
      setCookies: [],
      ms: performance.now() - started,
      error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
    };
  }
}

export function signUpRequest(baseUrl: string, email: string, ip: string, origin: string) {
  return send(baseUrl, "/api/auth/sign-up/email", {
    method: "POST",
    body: { name: "Load User", email, password: BENCH_PASSWORD },
    ip,
    origin,
  });
}

export function signInRequest(baseUrl: string, email: string, ip: string, origin: string) {
  return send(baseUrl, "/api/auth/sign-in/email", {
    method: "POST",
    body: { email, password: BENCH_PASSWORD },
    ip,
    origin,
  });
}

/** A tRPC query without input (non-batched GET, no transformer). */
export function query(baseUrl: string, procedure: string, device: DeviceHeaders) {
  return send(baseUrl, `/api/trpc/${procedure}`, device);
}

/** A tRPC mutation: POST with the input as the JSON body. */
export function mutate(baseUrl: string, procedure: string, input: unknown, device: DeviceHeaders) {
  return send(baseUrl, `/api/trpc/${procedure}`, { ...device, method: "POST", body: input });
}

export function signOutRequest(baseUrl: string, device: DeviceHeaders) {
  return send(baseUrl, "/api/auth/sign-out", { ...device, method: "POST", body: {} });
}

export type DeviceHeaders = Pick<RequestOptions, "cookie" | "ip" | "origin">;

/** The Cookie header a browser would send after these Set-Cookie lines (cleared ones dropped). */
export function cookieHeader(setCookies: string[]): string {
  return setCookies
    .map((line) => line.split(";", 1)[0] ?? "")
    .filter((pair) => pair.includes("=") && !pair.endsWith("="))
    .join("; ");
}

/** `result.data` of a tRPC success body. */
export function trpcData(body: unknown): unknown {
  return (body as { result?: { data?: unknown } } | null)?.result?.data;
}

/** `error.data.reason` of a tRPC error body (our typed reasons, shared/errors.ts). */
export function trpcReason(body: unknown): string | null {
  return (body as { error?: { data?: { reason?: string } } } | null)?.error?.data?.reason ?? null;
}

/** A unique client address per device: 10.x.y.z, counting up (16 million before it wraps). */
let nextAddress = 1;
export function newDeviceIp(): string {
  const n = nextAddress++;
  return `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
}
