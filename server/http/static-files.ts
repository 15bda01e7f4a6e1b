/**
 * Serves the built SPA: hashed assets cached for a year, everything else falls back to
 * index.html (client-side routes), never cached.
 */
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import path from "node:path";

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".json": "application/json",
  ".woff2": "font/woff2",
  ".txt": "text/plain; charset=utf-8",
};

/** Same-origin only; inline styles allowed for React's style attributes. */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'self'",
  "form-action 'self'",
].join("; ");

export function createStaticHandler(rootDir: string) {
  const root = path.resolve(rootDir);
  const indexFile = path.join(root, "index.html");

  /** `rawPathname`: the request target's path as sent, already checked by the server. */
  return async function serveStatic(
    req: IncomingMessage,
    res: ServerResponse,
    rawPathname: string,
  ) {
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.statusCode = 405;
      res.setHeader("allow", "GET, HEAD");
      res.end();
      return;
    }
    const pathname = safeDecode(rawPathname);
    if (pathname === null) {
      res.statusCode = 400;
      res.end();
      return;
    }
    const candidate = path.resolve(root, `.${pathname}`);
    // Never leave the build folder, whatever the path says.
    const inside = candidate.startsWith(`${root}${path.sep}`);
    const file = inside && (await isFile(candidate)) ? candidate : indexFile;
    if (!(await isFile(file))) {
      res.statusCode = 503;
      res.setHeader("content-type", "text/plain; charset=utf-8");
      res.end("The SPA is not built yet: run `npm run build`.");
      return;
    }
    const isHashedAsset = file.startsWith(path.join(root, "assets") + path.sep);
    res.statusCode = 200;
    res.setHeader("content-type", CONTENT_TYPES[path.extname(file)] ?? "application/octet-stream");
    res.setHeader(
      "cache-control",
      isHashedAsset ? "public, max-age=31536000, immutable" : "no-cache",
    );
    res.setHeader("x-content-type-options", "nosniff");
    res.setHeader("referrer-policy", "same-origin");
    if (file === indexFile) {
      res.setHeader("content-security-policy", CONTENT_SECURITY_POLICY);
      res.setHeader("x-frame-options", "DENY");
    }
    if (req.method === "HEAD") {
      res.end();
      return;
    }
    createReadStream(file).pipe(res);
  };
}

async function isFile(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}

function safeDecode(value: string): string | null {
  try {
    return decodeURIComponent(value);
  } catch {
    return null;
  }
}
