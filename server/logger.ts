/**
 * The server's one logger: pino, JSON lines on stdout, at `info` until server/main.ts sets the
 * configured LOG_LEVEL (parsed, like every variable, in ./env.ts).
 * Nothing secret may reach a log line: known places of tokens, cookies, passwords and secrets are
 * redacted by path, and an error's message loses the SQL parameters a driver quotes in it
 * (drizzle's "Failed query: … params: …" can carry a session token).
 */
import pino, { type DestinationStream, type Logger } from "pino";
import type { LogLevel } from "./env";

const CENSOR = "[redacted]";

/**
 * Where secrets could appear in what we log: request/response headers (ours or Better Auth's
 * objects), sessions, bodies, and any object one or two levels down.
 */
export const REDACT_PATHS = [
  "req.headers.cookie",
  "req.headers.authorization",
  'res.headers["set-cookie"]',
  "headers.cookie",
  "headers.authorization",
  'headers["set-cookie"]',
  "cookie",
  "authorization",
  "password",
  "token",
  "secret",
  "*.cookie",
  "*.authorization",
  '*["set-cookie"]',
  "*.password",
  "*.currentPassword",
  "*.newPassword",
  "*.token",
  "*.secret",
  "*.privateKey",
  "*.session.token",
  "*.headers.cookie",
  "*.headers.authorization",
  '*.headers["set-cookie"]',
  "*.body.password",
  "*.body.token",
  // Better Auth's log arguments, logged as `detail: [...]`.
  "*.*.password",
  "*.*.token",
  "*.*.secret",
  "*.*.cookie",
  "*.*.authorization",
];

/** Everything from `params:` on: the bound values of a failed SQL query. */
const SQL_PARAMS = /\bparams:[\s\S]*$/;
/** A Better Auth session cookie value (`token.signature`) or a bearer token, wherever it hides in a message. */
const COOKIE_OR_BEARER =
  /((?:session_token|session_data)[^=\s]*=)[^;\s"']+|(Bearer\s+)[A-Za-z0-9._~+/=-]+/gi;

/** A message or stack with SQL parameters, cookie values and bearer tokens removed. */
export function scrubText(text: string): string {
  return text.replace(SQL_PARAMS, "params: [redacted]").replace(COOKIE_OR_BEARER, `$1$2${CENSOR}`);
}

/** pino's error serializer, then scrubbed; `cause` too (drizzle wraps the driver error there). */
export function serializeError(error: unknown): unknown {
  if (!(error instanceof Error)) return typeof error === "string" ? scrubText(error) : error;
  const serialized = pino.stdSerializers.err(error) as unknown as Record<string, unknown>;
  const safe: Record<string, unknown> = {
    type: serialized.type,
    message: scrubText(String(serialized.message ?? "")),
  };
  if (typeof serialized.stack === "string") safe.stack = scrubText(serialized.stack);
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string" || typeof code === "number") safe.code = code;
  // Driver errors carry `parameters`, `query`, `where`, `detail`: all may quote row data. Only
  // the message (scrubbed) and the code are kept.
  if (error.cause !== undefined) safe.cause = serializeError(error.cause);
  return safe;
}

export interface LoggerOptions {
  level?: LogLevel;
  destination?: DestinationStream;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  return pino(
    {
      level: options.level ?? "info",
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACT_PATHS, censor: CENSOR },
      serializers: { err: serializeError, error: serializeError, cause: serializeError },
      hooks: {
        // A message built from an error or a driver string is scrubbed as well.
        // An Error logged bare would become pino's `msg` unscrubbed: it is logged as `err`.
        logMethod(args, method) {
          const [first, ...rest] = args as unknown[];
          const scrubbed =
            first instanceof Error
              ? [{ err: first }, scrubText(String(rest[0] ?? first.message)), ...rest.slice(1)]
              : args.map((arg) => (typeof arg === "string" ? scrubText(arg) : arg));
          method.apply(this, scrubbed as Parameters<typeof method>);
        },
      },
    },
    options.destination ?? defaultDestination(),
  );
}

/**
 * stdout; under vitest, error lines go to console.error instead, so the suites' "no unexpected
 * console.error" rule still catches an error the server logs in-process.
 */
function defaultDestination(): DestinationStream {
  if (!process.env.VITEST) return pino.destination({ dest: 1, sync: true });
  return {
    write(line: string) {
      if (/"level":"(error|fatal)"/.test(line)) console.error(line.trimEnd());
    },
  };
}

/** The logger of this process. */
export const logger = createLogger();
