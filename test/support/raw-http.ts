/**
 * HTTP/1.1 over a plain socket, for requests fetch cannot send: absolute-form and `*` targets,
 * unnormalised paths (`//`, `..`, `%2f`), hostile or duplicate `Host`, `X-Forwarded-*`,
 * `Forwarded`, control characters, Content-Length next to chunked. The answer is parsed strictly:
 * a response that is not well-formed HTTP/1.1 fails the parse.
 */
import { connect } from "node:net";

export type HeaderList = ReadonlyArray<readonly [string, string]>;

export interface RawRequest {
  method: string;
  /** The request target exactly as written on the request line. */
  target: string;
  headers: HeaderList;
  /** Written after the blank line as is (no Content-Length is added). */
  body?: string | Buffer;
  /** `HTTP/1.1` unless given. */
  version?: string;
}

export interface RawResponse {
  status: number;
  headers: Array<[string, string]>;
  body: Buffer;
  text: string;
  /** The value of the first header of this name (lower case), or undefined. */
  header(name: string): string | undefined;
}

export interface RawExchange {
  /** Every response on the connection, in order (Node may add a 400 after a parse error). */
  responses: RawResponse[];
  /** The bytes received, as latin1. */
  raw: string;
  /** True when the server did not close the connection within the timeout. */
  timedOut: boolean;
}

/** The bytes of a request: request line, header lines, blank line, body. */
export function serializeRequest(request: RawRequest): Buffer {
  const head = [
    `${request.method} ${request.target} ${request.version ?? "HTTP/1.1"}`,
    ...request.headers.map(([name, value]) => `${name}: ${value}`),
    "",
    "",
  ].join("\r\n");
  const body = request.body ?? "";
  return Buffer.concat([Buffer.from(head, "latin1"), Buffer.from(body)]);
}

/**
 * Writes `request` (bytes, or a request serialised here) to host:port and reads until the server
 * closes the connection. Send `Connection: close` for the server to close after its answer.
 */
export function sendRaw(
  baseUrl: string,
  request: RawRequest | Buffer,
  options: { timeoutMs?: number; head?: boolean } = {},
): Promise<RawExchange> {
  const { hostname, port } = new URL(baseUrl);
  const bytes = Buffer.isBuffer(request) ? request : serializeRequest(request);
  const head = options.head ?? (!Buffer.isBuffer(request) && request.method === "HEAD");
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let timedOut = false;
    const socket = connect({ host: hostname, port: Number(port) }, () => {
      socket.write(bytes);
    });
    const timer = setTimeout(() => {
      timedOut = true;
      socket.destroy();
    }, options.timeoutMs ?? 10_000);
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    // The server may close while we are still writing (it refused the head already).
    socket.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code !== "ECONNRESET" && error.code !== "EPIPE") {
        clearTimeout(timer);
        reject(error);
      }
    });
    socket.on("close", () => {
      clearTimeout(timer);
      const received = Buffer.concat(chunks);
      try {
        resolve({
          responses: parseResponses(received, head),
          raw: received.toString("latin1"),
          timedOut,
        });
      } catch (error) {
        reject(error);
      }
    });
  });
}

const STATUS_LINE = /^HTTP\/1\.1 (\d{3}) [^\r\n]*$/;
const HEADER_LINE = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+):[ \t]*([^\r\n]*?)[ \t]*$/;

/** Every response in `bytes`, parsed strictly; throws on anything that is not HTTP/1.1. */
export function parseResponses(bytes: Buffer, head = false): RawResponse[] {
  const responses: RawResponse[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    const end = bytes.indexOf("\r\n\r\n", offset, "latin1");
    if (end === -1) throw new Error(`Truncated response head: ${show(bytes, offset)}`);
    const lines = bytes.subarray(offset, end).toString("latin1").split("\r\n");
    const statusMatch = STATUS_LINE.exec(lines[0] ?? "");
    if (!statusMatch) throw new Error(`Malformed status line: ${show(bytes, offset)}`);
    const headers: Array<[string, string]> = [];
    for (const line of lines.slice(1)) {
      const match = HEADER_LINE.exec(line);
      if (!match) throw new Error(`Malformed header line ${JSON.stringify(line)}`);
      headers.push([(match[1] ?? "").toLowerCase(), match[2] ?? ""]);
    }
    const status = Number(statusMatch[1]);
    const find = (name: string) => headers.find(([key]) => key === name)?.[1];
    let cursor = end + 4;
    let body: Buffer;
    const noBody = head || status === 204 || status === 304 || (status >= 100 && status < 200);
    if (noBody) {
      body = Buffer.alloc(0);
    } else if (find("transfer-encoding")?.toLowerCase() === "chunked") {
      ({ body, cursor } = dechunk(bytes, cursor));
    } else if (find("content-length") !== undefined) {
      const length = Number(find("content-length"));
      if (!Number.isSafeInteger(length) || length < 0) throw new Error("Bad Content-Length");
      if (cursor + length > bytes.length) throw new Error("Body shorter than its Content-Length");
      body = bytes.subarray(cursor, cursor + length);
      cursor += length;
    } else {
      // Delimited by the end of the connection.
      body = bytes.subarray(cursor);
      cursor = bytes.length;
    }
    responses.push({
      status,
      headers,
      body,
      text: body.toString("utf8"),
      header: find,
    });
    offset = cursor;
  }
  return responses;
}

function dechunk(bytes: Buffer, start: number): { body: Buffer; cursor: number } {
  const parts: Buffer[] = [];
  let cursor = start;
  for (;;) {
    const lineEnd = bytes.indexOf("\r\n", cursor, "latin1");
    if (lineEnd === -1) throw new Error("Truncated chunk size");
    const sizeText = bytes.subarray(cursor, lineEnd).toString("latin1").split(";")[0] ?? "";
    if (!/^[0-9a-fA-F]+$/.test(sizeText.trim())) throw new Error(`Bad chunk size ${sizeText}`);
    const size = Number.parseInt(sizeText, 16);
    cursor = lineEnd + 2;
    if (size === 0) {
      // Trailers (none expected), then the blank line.
      const trailerEnd = bytes.indexOf("\r\n", cursor, "latin1");
      if (trailerEnd === -1) throw new Error("Truncated chunked body");
      return { body: Buffer.concat(parts), cursor: trailerEnd + 2 };
    }
    if (cursor + size + 2 > bytes.length) throw new Error("Truncated chunk");
    parts.push(bytes.subarray(cursor, cursor + size));
    cursor += size + 2;
  }
}

function show(bytes: Buffer, offset: number): string {
  return JSON.stringify(bytes.subarray(offset, offset + 200).toString("latin1"));
}

/** The `name=value` of every Set-Cookie line of a response. */
export function setCookiePairs(response: RawResponse): string[] {
  return response.headers
    .filter(([name]) => name === "set-cookie")
    .map(([, value]) => value.split(";")[0] ?? "");
}
