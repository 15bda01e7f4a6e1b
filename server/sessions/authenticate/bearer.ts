/**
 * `Authorization: Bearer <jwt>` for API clients (ADR 0012). The JWT (from GET /api/auth/token,
 * Better Auth's jwt plugin) is verified here, in memory: EdDSA only, our issuer and audience,
 * `exp` required, against the public keys of the `jwks` table, loaded once and again (at most
 * every 30 s) only when a token names a key we do not know. Its session is then judged by the
 * gate (./gate.ts) like a cookie's: ending a session refuses its JWTs on the very next request,
 * and the absolute lifetime and binding apply to them (ADR 0018).
 */
import { errors, importJWK, jwtVerify } from "jose";
import type { Database } from "../../../db/client";
import { jwks } from "../../../db/schema";

/** The only algorithm accepted: the keys the jwt plugin generates here are Ed25519. */
export const JWT_ALGORITHM = "EdDSA";
/** Allowed clock skew between the issuing instance and the verifying one. */
export const JWT_CLOCK_TOLERANCE_SEC = 5;
/** An unknown `kid` reloads the keys at most this often (a forged one must not cost a query each). */
export const KEY_RELOAD_INTERVAL_MS = 30_000;
/** Better Auth's default grace period for a rotated key (jwks.gracePeriod); past it, it verifies nothing. */
const RETIRED_KEY_GRACE_MS = 30 * 24 * 60 * 60 * 1000;
/** Ours are about 400 characters; anything much longer is not worth parsing. */
const MAX_TOKEN_LENGTH = 4096;

/**
 * The JWT of an `Authorization: Bearer` header: null without one (or with another scheme, which
 * is not ours to judge), "" for a bearer header without a token.
 */
export function readBearerToken(headers: Headers): string | null {
  const value = headers.get("authorization");
  if (value === null) return null;
  const match = /^Bearer(?:\s+(.*))?$/i.exec(value.trim());
  if (!match) return null;
  return match[1]?.trim() ?? "";
}

type VerificationKey = Awaited<ReturnType<typeof importJWK>>;

export interface JwtKeyStoreOptions {
  db: Database;
  /**
   * Makes sure a signing key exists before the first load. Better Auth creates the key on first
   * use; without this, an instance that loaded an empty table would refuse the first tokens
   * for up to KEY_RELOAD_INTERVAL_MS.
   */
  ensureKey?: () => Promise<unknown>;
  reloadIntervalMs?: number;
}

/** The public keys of the `jwks` table, in memory. */
export class JwtKeyStore {
  private keys = new Map<string, VerificationKey>();
  private loadedAtMs: number | null = null;
  private loading: Promise<void> | null = null;
  private readonly reloadIntervalMs: number;
  private readonly options: JwtKeyStoreOptions;

  constructor(options: JwtKeyStoreOptions) {
    this.options = options;
    this.reloadIntervalMs = options.reloadIntervalMs ?? KEY_RELOAD_INTERVAL_MS;
  }

  /** The verification key with this id; null when the table has none (after a reload, if due). */
  async get(kid: string, nowMs: number): Promise<VerificationKey | null> {
    const known = this.keys.get(kid);
    if (known) return known;
    if (this.loadedAtMs === null || nowMs - this.loadedAtMs >= this.reloadIntervalMs) {
      await this.load(nowMs);
    }
    return this.keys.get(kid) ?? null;
  }

  /** Concurrent callers share one load; a failed load is not counted (the next request retries). */
  private load(nowMs: number): Promise<void> {
    this.loading ??= this.readKeys(nowMs)
      .then((keys) => {
        this.keys = keys;
        this.loadedAtMs = nowMs;
      })
      .finally(() => {
        this.loading = null;
      });
    return this.loading;
  }

  private async readKeys(nowMs: number): Promise<Map<string, VerificationKey>> {
    const read = () =>
      this.options.db
        .select({
          id: jwks.id,
          publicKey: jwks.publicKey,
          alg: jwks.alg,
          expiresAt: jwks.expiresAt,
        })
        .from(jwks);
    let rows = await read();
    if (rows.length === 0 && this.options.ensureKey) {
      await this.options.ensureKey();
      rows = await read();
    }
    const keys = new Map<string, VerificationKey>();
    for (const row of rows) {
      // A row without `alg` predates the column: the plugin reads it as its default, EdDSA.
      if ((row.alg ?? JWT_ALGORITHM) !== JWT_ALGORITHM) continue;
      if (row.expiresAt && row.expiresAt.getTime() + RETIRED_KEY_GRACE_MS <= nowMs) continue;
      keys.set(row.id, await importJWK(JSON.parse(row.publicKey), JWT_ALGORITHM));
    }
    return keys;
  }
}

/** What a valid JWT says: whose session it stands for. */
export interface JwtClaims {
  sessionId: string;
  userId: string;
}

/** Verifies a JWT locally; null for anything that is not a valid, current token of ours. */
export type JwtVerifier = (token: string, nowMs: number) => Promise<JwtClaims | null>;

export function createJwtVerifier(options: {
  keys: JwtKeyStore;
  issuer: string;
  audience: string;
}): JwtVerifier {
  return async function verifyJwt(token, nowMs) {
    if (token.length === 0 || token.length > MAX_TOKEN_LENGTH) return null;
    try {
      const { payload } = await jwtVerify(
        token,
        // jose checks `alg` against `algorithms` before asking for the key, so a token of another
        // algorithm never triggers a reload.
        async (header) => {
          const key = header.kid ? await options.keys.get(header.kid, nowMs) : null;
          if (!key) throw new errors.JWKSNoMatchingKey();
          return key;
        },
        {
          algorithms: [JWT_ALGORITHM],
          issuer: options.issuer,
          audience: options.audience,
          requiredClaims: ["exp", "sub", "sid"],
          clockTolerance: JWT_CLOCK_TOLERANCE_SEC,
          // The request's clock, not jose's own `new Date()`: one instant for the whole request.
          currentDate: new Date(nowMs),
        },
      );
      const { sid, sub } = payload;
      if (typeof sid !== "string" || typeof sub !== "string" || !sid || !sub) return null;
      return { sessionId: sid, userId: sub };
    } catch (error) {
      // A bad token is a refusal; anything else (the database, while loading keys) is a failure.
      if (error instanceof errors.JOSEError) return null;
      throw error;
    }
  };
}
