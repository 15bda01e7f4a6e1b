/**
 * Hostile input for property tests: the seed every property runs with, the router's procedures
 * (enumerated, so a new one is covered without editing a test), inputs that are wrong, huge, deep,
 * odd unicode or prototype-pollution keys, and the database state a bad input must not change.
 */
import { and, count, eq } from "drizzle-orm";
import fc from "fast-check";
import { expect } from "vitest";
import type { Database } from "../../db/client";
import { account, session, sessionEvent, user } from "../../db/schema";
import { appRouter } from "../../server/routers";
import { changeNameInput } from "../../shared/schemas";

/**
 * One seed for every property of a run: `FC_SEED=<n>` reproduces a failure; the seed in use is
 * printed so a failing run can be repeated.
 */
export function configureSeed(): number {
  const fromEnv = Number.parseInt(process.env.FC_SEED ?? "", 10);
  const seed = Number.isSafeInteger(fromEnv) ? fromEnv : 20_261_125;
  fc.configureGlobal({ seed });
  console.info(`fast-check seed ${seed} (set FC_SEED to change it)`);
  return seed;
}

export interface ProcedureInfo {
  path: string;
  type: "query" | "mutation" | "subscription";
  /** False when the procedure has no input parser: whatever is sent is ignored. */
  hasInput: boolean;
  /** The keys its input object knows (schema keys), to shape inputs that reach deeper. */
  keys: string[];
}

type AnyDef = { type: ProcedureInfo["type"]; inputs: unknown[] };

/** The top-level keys of a zod object schema, through `.default()`/`.optional()` wrappers. */
function schemaKeys(schema: unknown): string[] {
  let current = schema as { shape?: Record<string, unknown>; def?: { innerType?: unknown } };
  for (let i = 0; i < 5 && current; i += 1) {
    if (current.shape) return Object.keys(current.shape);
    current = current.def?.innerType as typeof current;
  }
  return [];
}

/** Every procedure of the app router, from `appRouter._def.procedures`. */
export function routerProcedures(): ProcedureInfo[] {
  return Object.entries(appRouter._def.procedures as unknown as Record<string, { _def: AnyDef }>)
    .map(([path, procedure]) => ({
      path,
      type: procedure._def.type,
      hasInput: procedure._def.inputs.length > 0,
      keys: procedure._def.inputs.flatMap(schemaKeys),
    }))
    .sort((a, b) => a.path.localeCompare(b.path));
}

/** Keys any of our inputs knows, so a shaped input for one procedure can carry another's fields. */
const KNOWN_KEYS = [
  "id",
  "password",
  "currentPassword",
  "newPassword",
  "revokeOtherSessions",
  "newEmail",
  "name",
  "email",
  "cursor",
  "limit",
];
const POLLUTING_KEYS = ["__proto__", "constructor", "prototype"];

function nested(depth: number, leaf: unknown, wrap: (inner: unknown) => unknown): unknown {
  let value = leaf;
  for (let i = 0; i < depth; i += 1) value = wrap(value);
  return value;
}

/** Any UTF-16 code unit, lone surrogates included. */
const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((unit) => String.fromCharCode(unit));
const oddCharacter = fc.constantFrom(
  "\u0000",
  "\ud800",
  "\udfff",
  "\udc00\ud800",
  "\u202e",
  "\u200f",
  "\u200b",
  "\ufeff",
  "\u0301",
  "\uffff",
  "%00",
  "'; drop table session; --",
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a template injection attempt, on purpose
  "${process.exit()}",
  "🙂",
  "\r\n",
);

/** Strings: short random ones, odd unicode, and 100 KB ones. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: codeUnit, maxLength: 40 }),
  fc.array(oddCharacter, { minLength: 1, maxLength: 20 }).map((parts) => parts.join("")),
  fc
    .constantFrom("x", "é", "\u0000", "\u202e", "\ud800", "a@b.c")
    .map((unit) => unit.repeat(100_000 / unit.length)),
  fc.constantFrom("", " ", "null", "undefined", "NaN", "-1", "1e309", "[object Object]"),
);

/** Numbers that are not the small positive integers our inputs want. */
const hostileNumber = fc.oneof(
  fc.double(),
  fc.integer(),
  fc.constantFrom(0, -0, -1, 2 ** 53, Number.MAX_VALUE, Number.POSITIVE_INFINITY, 0.5),
);

/** Deep structures (depth 1000) and prototype-pollution keys, as JSON would deliver them. */
const deepValue = fc.constantFrom(
  nested(1000, 1, (inner) => ({ a: inner })),
  nested(1000, "x", (inner) => [inner]),
  nested(1000, null, (inner) => ({ id: inner, __proto__: inner })),
);

function pollutingObject(keys: string[]): fc.Arbitrary<unknown> {
  return fc
    .tuple(
      fc.constantFrom(...POLLUTING_KEYS),
      fc.constantFrom(...keys, "polluted"),
      fc.oneof(hostileString, fc.constant(true)),
    )
    .map(([key, field, value]) => {
      // JSON.parse makes `__proto__` an own key, as a request body does (a literal would not).
      const inner = JSON.stringify({ [field]: value, polluted: true });
      return JSON.parse(
        `{"${key}": ${inner}, "${key === "constructor" ? "prototype" : field}": ${inner}}`,
      );
    });
}

/** JSON-compatible hostile input (what can travel over HTTP) for a procedure with these keys. */
export function hostileJsonInput(keys: string[]): fc.Arbitrary<unknown> {
  const allKeys = [...new Set([...keys, ...KNOWN_KEYS])];
  const leaf = fc.oneof(
    hostileString,
    hostileNumber,
    fc.boolean(),
    fc.constant(null),
    fc.jsonValue({ maxDepth: 3 }),
    deepValue,
  );
  return fc.oneof(
    leaf,
    // Shaped like a real input, with hostile values in its fields (and extra fields).
    fc.dictionary(fc.constantFrom(...allKeys), leaf, { minKeys: 1, maxKeys: 4 }),
    fc.dictionary(fc.constantFrom(...(keys.length > 0 ? keys : allKeys)), hostileString, {
      minKeys: 1,
    }),
    pollutingObject(allKeys),
    fc.array(leaf, { maxLength: 5 }),
  );
}

/** Anything createCaller can be given: JSON input and what JSON cannot carry. */
export function hostileCallerInput(keys: string[]): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 3, arbitrary: hostileJsonInput(keys) },
    {
      weight: 1,
      arbitrary: fc.anything({
        withBigInt: true,
        withBoxedValues: true,
        withDate: true,
        withMap: true,
        withSet: true,
        withNullPrototype: true,
        withObjectString: true,
        withSparseArray: true,
        withTypedArray: true,
        withUnicodeString: true,
      }),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom<unknown>(
        undefined,
        Symbol("input"),
        () => "a function",
        new Error("an error"),
        Object.create(null),
        new Proxy({}, {}),
        Promise.resolve({ id: "x" }),
      ),
    },
  );
}

/**
 * Inputs a known bug answers with a 500, kept out of the properties so they still guard
 * everything else; each needs a test of its own. None today.
 */
export const KNOWN_BUGS: Record<string, (input: unknown) => boolean> = {};

type UserColumn = keyof typeof user.$inferSelect;

/**
 * Procedures whose input is free text, so that much of what the properties generate is valid and
 * accepted: for them a success is allowed, but only for an input their schema accepts, and it must
 * store exactly what the schema makes of it (`expectStored`); the state checks leave out the user
 * columns they change.
 */
export const FREE_TEXT_PROCEDURES: Record<
  string,
  {
    changes: readonly UserColumn[];
    expectStored(db: Database, userId: string, input: unknown): Promise<void>;
  }
> = {
  "account.changeName": {
    changes: ["name", "updatedAt"],
    async expectStored(db, userId, input) {
      const parsed = changeNameInput.safeParse(input);
      expect(parsed.success, `accepted ${JSON.stringify(input)}`).toBe(true);
      const [row] = await db.select({ name: user.name }).from(user).where(eq(user.id, userId));
      expect(row?.name).toBe(parsed.data?.name);
      expect(isNotText(row?.name ?? "")).toBe(false);
    },
  },
};

/** What PostgreSQL cannot store in a text column: NUL, and UTF-16 that is not Unicode. */
export function isNotText(value: string): boolean {
  // String.prototype.isWellFormed (Node 20) is newer than the project's `lib`.
  const wellFormed = (value as unknown as { isWellFormed(): boolean }).isWellFormed();
  return value.includes(String.fromCharCode(0)) || !wellFormed;
}

/** The tRPC codes a bad input may get: a typed 4xx refusal. */
export const ALLOWED_ERROR_CODES = new Set([
  "BAD_REQUEST",
  "PARSE_ERROR",
  "UNAUTHORIZED",
  "FORBIDDEN",
  "NOT_FOUND",
  "CONFLICT",
  "METHOD_NOT_SUPPORTED",
  "PAYLOAD_TOO_LARGE",
  "UNSUPPORTED_MEDIA_TYPE",
]);

/** What a response body must never contain: a stack frame or a stack property. */
export const STACK_TRACE = /"stack"|\bat .+[/\\].+\.(?:ts|js|mjs|cjs):\d+|node_modules\//;

/**
 * What bad input must leave alone: the user (but the `changing` columns, which a procedure of
 * FREE_TEXT_PROCEDURES may set), their password, their sessions and their events.
 */
export async function stateOf(db: Database, userId: string, changing: readonly UserColumn[] = []) {
  const rows = await db.select().from(user).where(eq(user.id, userId));
  const users = rows.map((row) =>
    Object.fromEntries(
      Object.entries(row).filter(([column]) => !changing.includes(column as UserColumn)),
    ),
  );
  const passwords = await db
    .select({ password: account.password, updatedAt: account.updatedAt })
    .from(account)
    .where(and(eq(account.userId, userId), eq(account.providerId, "credential")));
  // updated_at is "last active" (written by any authenticated request), so it is left out.
  const sessions = await db
    .select({
      id: session.id,
      token: session.token,
      expiresAt: session.expiresAt,
      createdAt: session.createdAt,
      ipAddress: session.ipAddress,
      userAgent: session.userAgent,
      bindingMismatchAt: session.bindingMismatchAt,
    })
    .from(session)
    .where(eq(session.userId, userId))
    .orderBy(session.id);
  const [events] = await db
    .select({ count: count() })
    .from(sessionEvent)
    .where(eq(sessionEvent.userId, userId));
  return { users, passwords, sessions, events: events?.count ?? 0 };
}

const prototypeKeys = () =>
  [Object.prototype, Array.prototype, Function.prototype].map((p) =>
    Object.getOwnPropertyNames(p).sort(),
  );

/** Records Object/Array/Function prototypes now; `check()` fails if anything was added to them. */
export function watchPrototypes() {
  const before = prototypeKeys();
  return {
    check() {
      // biome-ignore lint/suspicious/noExplicitAny: probing for pollution on a plain object
      const probe = {} as any;
      expect(probe.polluted).toBeUndefined();
      expect(probe.id).toBeUndefined();
      expect(probe.password).toBeUndefined();
      expect(prototypeKeys()).toEqual(before);
    },
  };
}
