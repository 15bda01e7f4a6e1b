/**
 * Session tokens hashed at rest (ADR 0020). Better Auth 1.7 stores its session token as is and
 * offers no hook on lookups, so its database adapter is wrapped: every `session.token` written
 * is SHA-256 (hex) of the token, and every lookup by token (`eq`, `in` and their negations)
 * hashes the value first. Whoever reads the table then holds nothing a cookie can carry: a
 * stored value signed as if it were a token names no session.
 *
 * Better Auth still sees tokens, so the cookie keeps the raw one: a created session is handed
 * back with the token Better Auth generated, and a row found by token carries the token it was
 * looked up by. A row read without a token lookup (a user's sessions, by user id) can only carry
 * the hash: it comes back as a `StoredSessionToken`, an object no cookie or request body can
 * produce, which a later lookup uses as is instead of hashing it again.
 */
import type { BetterAuthOptions, DBAdapter, DBTransactionAdapter, Where } from "better-auth";
import { hashSessionToken } from "../sessions/token-hash";

/**
 * The stored hash of a session token, as found on a row read without a token lookup. A String
 * object (not a string) on purpose: lookups hash every string, so nothing a client sends can be
 * taken for an already-hashed value.
 */
export class StoredSessionToken extends String {}

const SESSION_MODEL = "session";
const TOKEN_FIELD = "token";

type AdapterFactory = (options: BetterAuthOptions) => DBAdapter<BetterAuthOptions>;
type Row = Record<string, unknown>;

/** Raw tokens by their hash, for the tokens one call was given. */
type TokensByHash = Map<string, string>;

/** `factory` (e.g. `drizzleAdapter(...)`) with the session model's tokens hashed at rest. */
export function hashSessionTokensAtRest(factory: AdapterFactory): AdapterFactory {
  return (options) => hashTokensOf(factory(options));
}

const wrapped = new WeakSet<object>();

/**
 * Wraps the adapter's methods in place rather than returning a copy: Better Auth attaches its
 * schema check to the adapter object, and the adapter's default transaction hands that same
 * object to the callback (which must not be wrapped twice).
 */
function hashTokensOf<A extends DBTransactionAdapter<BetterAuthOptions>>(adapter: A): A {
  if (wrapped.has(adapter)) return adapter;
  wrapped.add(adapter);
  const inner = { ...adapter };
  const isSession = (model: string) => model === SESSION_MODEL;

  adapter.create = async (call) => {
    if (!isSession(call.model)) return inner.create(call);
    const tokens: TokensByHash = new Map();
    return readBack(await inner.create({ ...call, data: storedData(call.data, tokens) }), tokens);
  };
  adapter.findOne = async (call) => {
    if (!isSession(call.model)) return inner.findOne(call);
    const tokens: TokensByHash = new Map();
    return readBack(await inner.findOne(lookup(call, tokens)), tokens);
  };
  adapter.findMany = async <T>(call: Parameters<typeof inner.findMany>[0]) => {
    if (!isSession(call.model)) return inner.findMany<T>(call);
    const tokens: TokensByHash = new Map();
    const rows = await inner.findMany<T>(lookup(call, tokens));
    return rows.map((row) => readBack(row, tokens));
  };
  adapter.update = async (call) => {
    if (!isSession(call.model)) return inner.update(call);
    const tokens: TokensByHash = new Map();
    const update = storedData(call.update, tokens);
    return readBack(await inner.update({ ...lookup(call, tokens), update }), tokens);
  };
  adapter.updateMany = async (call) => {
    if (!isSession(call.model)) return inner.updateMany(call);
    const tokens: TokensByHash = new Map();
    return inner.updateMany({ ...lookup(call, tokens), update: storedData(call.update, tokens) });
  };
  adapter.consumeOne = async (call) => {
    if (!isSession(call.model)) return inner.consumeOne(call);
    const tokens: TokensByHash = new Map();
    return readBack(await inner.consumeOne(lookup(call, tokens)), tokens);
  };
  adapter.incrementOne = async (call) => {
    if (!isSession(call.model)) return inner.incrementOne(call);
    const tokens: TokensByHash = new Map();
    return readBack(await inner.incrementOne(lookup(call, tokens)), tokens);
  };
  adapter.count = async (call) => inner.count(isSession(call.model) ? lookup(call) : call);
  adapter.delete = async (call) => inner.delete(isSession(call.model) ? lookup(call) : call);
  adapter.deleteMany = async (call) =>
    inner.deleteMany(isSession(call.model) ? lookup(call) : call);
  // Better Auth runs a transaction's work on the adapter it is handed (`getCurrentAdapter`).
  if ("transaction" in adapter && typeof adapter.transaction === "function") {
    const transaction = adapter.transaction.bind(adapter) as DBAdapter["transaction"];
    (adapter as unknown as DBAdapter).transaction = (callback) =>
      transaction((trx) => callback(hashTokensOf(trx)));
  }
  return adapter;
}

/** What is stored for a token: its hash; a `StoredSessionToken` already is one. */
function stored(value: unknown, tokens: TokensByHash): string {
  if (value instanceof StoredSessionToken) return value.valueOf();
  if (typeof value !== "string") {
    throw new TypeError(`session.token must be a string, got ${typeof value}`);
  }
  const hash = hashSessionToken(value);
  tokens.set(hash, value);
  return hash;
}

/** `call` with its `where` on the token matching the stored hashes. */
function lookup<C extends { where?: Where[] | undefined }>(
  call: C,
  tokens: TokensByHash = new Map(),
): C {
  return { ...call, where: storedWhere(call.where, tokens) };
}

function storedWhere<W extends Where[] | undefined>(where: W, tokens: TokensByHash): W {
  if (!where) return where;
  return where.map((clause) => {
    if (clause.field !== TOKEN_FIELD) return clause;
    const operator = clause.operator ?? "eq";
    if (operator === "eq" || operator === "ne") {
      return { ...clause, value: stored(clause.value, tokens) };
    }
    if ((operator === "in" || operator === "not_in") && Array.isArray(clause.value)) {
      return { ...clause, value: clause.value.map((value: unknown) => stored(value, tokens)) };
    }
    throw new TypeError(
      `session.token is stored hashed: it can be matched with eq, ne, in or not_in, not '${operator}'`,
    );
  }) as W;
}

function storedData<D extends Record<string, unknown>>(data: D, tokens: TokensByHash): D {
  if (!(TOKEN_FIELD in data) || data[TOKEN_FIELD] === undefined) return data;
  return { ...data, [TOKEN_FIELD]: stored(data[TOKEN_FIELD], tokens) };
}

/** A session row as Better Auth expects it: the token it was given, else the marked hash. */
function readBack<T>(row: T, tokens: TokensByHash): T {
  if (row === null || typeof row !== "object") return row;
  const hash = (row as Row)[TOKEN_FIELD];
  if (typeof hash !== "string") return row;
  return { ...row, [TOKEN_FIELD]: tokens.get(hash) ?? new StoredSessionToken(hash) };
}
