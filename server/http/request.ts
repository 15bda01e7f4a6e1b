/**
 * What the server reads of a request before routing it: the request target (checked once, here),
 * the headers as a fetch `Headers`, and a body of bounded size.
 */
import type { IncomingMessage } from "node:http";

/** tRPC and Better Auth bodies larger than this are refused with 413. */
export const MAX_BODY_BYTES = 1_000_000;

/** An origin-form request target (`/path?query`), its path exactly as sent (not normalised). */
export interface RequestTarget {
  pathname: string;
  /** `?…` or "". */
  search: string;
}

/**
 * The request target when it is one we route: origin-form (`/…`), its path free of control
 * characters, spaces, backslashes and malformed percent-encoding. Null for anything else (an
 * absolute-form `http://host/…` target, `*`, a path that cannot be decoded), which the server
 * answers with 400. Routing then compares paths exactly, so `//`, `%2f`, `..` or a case variant
 * of an exposed path is simply another path, which nothing answers.
 */
export function parseRequestTarget(url: string | undefined): RequestTarget | null {
  if (!url?.startsWith("/")) return null;
  const query = url.indexOf("?");
  const pathname = query === -1 ? url : url.slice(0, query);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  if (/[\u0000-\u0020\u007f\\#]/.test(pathname)) return null;
  try {
    decodeURIComponent(pathname);
  } catch {
    return null;
  }
  return { pathname, search: query === -1 ? "" : url.slice(query) };
}

export function toHeaders(req: IncomingMessage): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (Array.isArray(value)) for (const item of value) headers.append(name, item);
    else if (value !== undefined) headers.set(name, value);
  }
  return headers;
}

export type BodyRead =
  | { bytes: Uint8Array<ArrayBuffer> | null; refusal: null }
  | { bytes: null; refusal: { status: 411 | 413; message: string } };

/**
 * The request body, at most `maxBytes`. Browsers send Content-Length with a fetch body, so a
 * declared size over the limit gets 413 before anything is read, and a body without a declared
 * size 411. GET and HEAD have no body.
 */
export async function readBody(req: IncomingMessage, maxBytes: number): Promise<BodyRead> {
  if (req.method === "GET" || req.method === "HEAD") return { bytes: null, refusal: null };
  const declared = req.headers["content-length"];
  if (declared === undefined) {
    if (!req.headers["transfer-encoding"]) return { bytes: null, refusal: null };
    return {
      bytes: null,
      refusal: { status: 411, message: "Send the body with a Content-Length" },
    };
  }
  if (Number(declared) > maxBytes) {
    return {
      bytes: null,
      refusal: { status: 413, message: `Request bodies are limited to ${maxBytes} bytes` },
    };
  }
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const bytes = Buffer.concat(chunks);
  // A copy on its own ArrayBuffer: what fetch's BodyInit accepts.
  return { bytes: bytes.length > 0 ? new Uint8Array(bytes) : null, refusal: null };
}
