/**
 * Thousands of session cookies and JWTs that must not authenticate, derived from real ones: bit
 * flips, truncations at every length, other secrets and keys, swapped parts, URL-encoding tricks,
 * replays. Some mangled values still mean the genuine credential (an encoding of the same
 * bytes); `equivalent` marks them, and only they may authenticate, as the same session.
 */
import { createHmac } from "node:crypto";
import fc from "fast-check";
import { generateKeyPair, SignJWT } from "jose";

export interface Forgery {
  label: string;
  value: string;
}

/** A session cookie's value as Better Auth signs it: `value.base64(HMAC-SHA256(secret, value))`. */
export const sign = (value: string, secret: string) =>
  `${value}.${createHmac("sha256", secret).update(value).digest("base64")}`;

/** `sign(value, secret)` URL-encoded, as the cookie carries it: what holding `secret` lets one make. */
export const signedCookie = (value: string, secret: string) =>
  encodeURIComponent(sign(value, secret));

/** Percent-encodes every byte but the unreserved ones: any bytes become a valid header value. */
function percentEncodeBytes(bytes: Uint8Array): string {
  let out = "";
  for (const byte of bytes) {
    const char = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-_.~]/.test(char)
      ? char
      : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

function safeDecode(value: string): string | null {
  try {
    return decodeURIComponent(value);
  } catch {
    return null;
  }
}

/**
 * What our resolver (and Better Auth) would read as the cookie's value: up to `;`, trimmed,
 * unquoted (RFC 6265 allows a quoted value), URL-decoded.
 */
export function cookieMeans(value: string): string | null {
  const raw = (value.split(";")[0] ?? "").trim();
  const unquoted =
    raw.length >= 2 && raw.startsWith('"') && raw.endsWith('"') ? raw.slice(1, -1) : raw;
  return safeDecode(unquoted);
}

/** Printable ASCII, as a header value may carry it. */
const PRINTABLE = /^[\x20-\x7e]*$/;
const SUBSTITUTES = ["A", "a", "0", "+", "/", "=", "%", ".", "-", "_", " ", '"', ",", "\\"];

/** One random edit of a string (for the random tail of the list). */
const edit = fc.oneof(
  fc.record({
    kind: fc.constant("delete" as const),
    at: fc.nat(),
    length: fc.integer({ min: 1, max: 8 }),
  }),
  fc.record({
    kind: fc.constant("insert" as const),
    at: fc.nat(),
    text: fc.string({
      unit: fc.constantFrom(...SUBSTITUTES, "%2B", "%2F", "%3D", "%2E", "%25", "%00"),
      maxLength: 4,
    }),
  }),
  fc.record({
    kind: fc.constant("replace" as const),
    at: fc.nat(),
    char: fc.constantFrom(...SUBSTITUTES),
  }),
  fc.record({ kind: fc.constant("case" as const), at: fc.nat() }),
  fc.record({ kind: fc.constant("truncate" as const), at: fc.nat() }),
);
type Edit = typeof edit extends fc.Arbitrary<infer T> ? T : never;

function applyEdit(value: string, change: Edit): string {
  const at = value.length === 0 ? 0 : change.at % (value.length + 1);
  switch (change.kind) {
    case "delete":
      return value.slice(0, at) + value.slice(at + change.length);
    case "insert":
      return value.slice(0, at) + change.text + value.slice(at);
    case "replace":
      return value.slice(0, at) + change.char + value.slice(at + 1);
    case "case": {
      const char = value[at] ?? "";
      const swapped = char === char.toLowerCase() ? char.toUpperCase() : char.toLowerCase();
      return value.slice(0, at) + swapped + value.slice(at + 1);
    }
    case "truncate":
      return value.slice(0, at);
  }
}

/** Random multi-edit variants of `base`, reproducible from the global fast-check seed. */
function randomEdits(base: string, count: number, label: string, seed: number): Forgery[] {
  return fc
    .sample(fc.array(edit, { minLength: 1, maxLength: 4 }), { numRuns: count, seed })
    .map((changes, i) => ({ label: `${label} ${i}`, value: changes.reduce(applyEdit, base) }));
}

export interface CookieMaterial {
  /** The genuine cookie value as the browser holds it (URL-encoded). */
  genuine: string;
  /** The cookie value of a session that was signed out (a replay). */
  signedOut: string;
  /**
   * Another user's live session: its id and its token as stored (SHA-256 of the cookie's token,
   * ADR 0020): what a copy of the session table gives away.
   */
  otherSessionId: string;
  otherToken: string;
  /** The genuine cookie's session id. */
  sessionId: string;
  secret: string;
  seed: number;
}

/** At least `total` cookie values (URL-encoded, header-safe) built from a real one. */
export function cookieForgeries(material: CookieMaterial, total = 10_000): Forgery[] {
  const { genuine, secret } = material;
  const decoded = decodeURIComponent(genuine);
  const dot = decoded.lastIndexOf(".");
  const token = decoded.slice(0, dot);
  const signature = decoded.slice(dot + 1);
  const list: Forgery[] = [];
  const add = (label: string, value: string) => list.push({ label, value });

  for (let length = 0; length < genuine.length; length += 1) {
    add(`encoded truncated to ${length}`, genuine.slice(0, length));
  }
  for (let length = 0; length < decoded.length; length += 1) {
    add(`decoded truncated to ${length}`, encodeURIComponent(decoded.slice(0, length)));
  }
  const bytes = Buffer.from(decoded, "latin1");
  for (let i = 0; i < bytes.length; i += 1) {
    for (let bit = 0; bit < 8; bit += 1) {
      const flipped = Buffer.from(bytes);
      flipped[i] = (flipped[i] ?? 0) ^ (1 << bit);
      add(`bit ${bit} of byte ${i} flipped`, percentEncodeBytes(flipped));
    }
  }
  for (let i = 0; i < genuine.length; i += 1) {
    for (const char of SUBSTITUTES) {
      add(`char ${i} -> ${char}`, genuine.slice(0, i) + char + genuine.slice(i + 1));
    }
  }
  const secrets = fc.sample(fc.string({ minLength: 0, maxLength: 64 }), {
    numRuns: 300,
    seed: material.seed,
  });
  for (const other of [
    ...secrets,
    "",
    "better-auth-secret-12345678901234567890",
    secret.toUpperCase(),
    `${secret}\n`,
    ` ${secret}`,
    secret.slice(0, -1),
    `${secret}x`,
  ]) {
    add(
      `re-signed with ${JSON.stringify(other).slice(0, 20)}`,
      encodeURIComponent(sign(token, other)),
    );
  }
  const swaps: Record<string, string> = {
    "signature.token": `${signature}.${token}`,
    "token only": token,
    "signature only": signature,
    "token.": `${token}.`,
    ".signature": `.${signature}`,
    "token.signature.signature": `${decoded}.${signature}`,
    "token.token": `${token}.${token}`,
    "token.token.signature": `${token}.${decoded}`,
    "signature as token, signed": sign(signature, secret),
    "token reversed": `${[...token].reverse().join("")}.${signature}`,
    "signature reversed": `${token}.${[...signature].reverse().join("")}`,
    "signature in hex": `${token}.${Buffer.from(signature, "base64").toString("hex")}`,
    "signature in base64url": `${token}.${Buffer.from(signature, "base64").toString("base64url")}`,
    "signature without padding": `${token}.${signature.replace(/=+$/, "")}`,
    "signature, double padding": `${token}.${signature}=`,
    "empty token, real signature": `.${signature}`,
    "HMAC of the empty string": sign("", secret),
    "token with a NUL": `${token}\u0000.${signature}`,
    "token with a space": ` ${token}.${signature}`,
  };
  for (const [label, value] of Object.entries(swaps)) add(label, encodeURIComponent(value));
  const encodingTricks: Record<string, string> = {
    "not URL-encoded": decoded,
    "double URL-encoded": encodeURIComponent(genuine),
    "every byte percent-encoded": [...Buffer.from(decoded)]
      .map((b) => `%${b.toString(16).padStart(2, "0")}`)
      .join(""),
    "lower-case escapes": genuine.replace(/%[0-9A-F]{2}/g, (e) => e.toLowerCase()),
    "%2B as +": genuine.replaceAll("%2B", "+"),
    "%2B as space": genuine.replaceAll("%2B", "%20"),
    "dot as %2E": `${encodeURIComponent(token)}%2E${encodeURIComponent(signature)}`,
    "dot as overlong UTF-8": `${encodeURIComponent(token)}%C0%AE${encodeURIComponent(signature)}`,
    "dot as fullwidth": `${encodeURIComponent(token)}%EF%BC%8E${encodeURIComponent(signature)}`,
    "dot as ideographic": `${encodeURIComponent(token)}%E3%80%82${encodeURIComponent(signature)}`,
    "lone %": `${genuine}%`,
    "%%": `%%${genuine}`,
    "%zz": `${genuine}%zz`,
    "lone surrogate": `${genuine}%ED%A0%80`,
    "NUL before the dot": `${encodeURIComponent(token)}%00.${encodeURIComponent(signature)}`,
    quoted: `"${genuine}"`,
    "in another cookie's name": `x; better-auth.session_tokenx=${genuine}`,
    "trailing ;": `${genuine};`,
    "two values": `${genuine},${genuine}`,
  };
  for (const [label, value] of Object.entries(encodingTricks)) add(label, value);

  const signedOutDecoded = decodeURIComponent(material.signedOut);
  const signedOutToken = signedOutDecoded.slice(0, signedOutDecoded.lastIndexOf("."));
  const otherSignature = createHmac("sha256", secret).update(material.otherToken).digest("base64");
  const replays: Record<string, string> = {
    "signed-out session, replayed": material.signedOut,
    "signed-out session, re-signed": encodeURIComponent(sign(signedOutToken, secret)),
    "another user's session id as token, signed": encodeURIComponent(
      sign(material.otherSessionId, secret),
    ),
    "another user's session id as token, unsigned": material.otherSessionId,
    // A copy of the table and the secret: the stored value signed as if it were a token.
    "another user's stored token, signed": encodeURIComponent(sign(material.otherToken, secret)),
    "another user's stored token with this signature": encodeURIComponent(
      `${material.otherToken}.${signature}`,
    ),
    "this token with another user's signature": encodeURIComponent(`${token}.${otherSignature}`),
    "this session's id as token, signed": encodeURIComponent(sign(material.sessionId, secret)),
  };
  for (const [label, value] of Object.entries(replays)) add(label, value);
  for (const variant of randomEdits(
    material.signedOut,
    200,
    "signed-out session edited",
    material.seed,
  )) {
    list.push(variant);
  }
  // Correctly signed tokens that name no session: each costs a lookup, so a bounded number.
  const tokens = fc.sample(
    fc.string({
      unit: fc.constantFrom(..."ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"),
      minLength: 1,
      maxLength: 40,
    }),
    { numRuns: 200, seed: material.seed },
  );
  for (const random of tokens)
    add(`random token ${random}, signed`, encodeURIComponent(sign(random, secret)));

  const valid = list.filter((forgery) => PRINTABLE.test(forgery.value));
  const remaining = Math.max(0, total - valid.length);
  const edits = randomEdits(genuine, remaining + 500, "random edits", material.seed + 1);
  return [...valid, ...edits.filter((forgery) => PRINTABLE.test(forgery.value))].slice(
    0,
    Math.max(total, valid.length),
  );
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

/** Whether `token` is the genuine JWT up to how its signature's bytes are written (base64url slack, padding). */
export function jwtMeans(token: string, genuine: string): boolean {
  const parts = token.trim().split(".");
  const [h, p, s] = genuine.split(".");
  if (parts.length !== 3 || parts[0] !== h || parts[1] !== p) return false;
  const signature = parts[2] ?? "";
  // jose also reads a padded segment: the same bytes, so the same signature.
  if (!/^[A-Za-z0-9_-]*={0,2}$/.test(signature)) return false;
  return Buffer.from(signature, "base64url").equals(Buffer.from(s ?? "", "base64url"));
}

export interface JwtMaterial {
  genuine: string;
  secret: string;
  /** The public key (JWK) of the server, for key-confusion HMACs. */
  publicJwk: Record<string, unknown>;
  /** Tokens signed by the server's own key with wrong claims (expired, nbf ahead, another sid...). */
  serverSigned: Forgery[];
  seed: number;
}

/** At least `total` JWTs derived from a real one. */
export async function jwtForgeries(material: JwtMaterial, total = 10_000): Promise<Forgery[]> {
  const { genuine } = material;
  const [h = "", p = "", s = ""] = genuine.split(".");
  const header = JSON.parse(Buffer.from(h, "base64url").toString()) as Record<string, unknown>;
  const payload = JSON.parse(Buffer.from(p, "base64url").toString()) as Record<string, unknown>;
  const list: Forgery[] = [...material.serverSigned];
  const add = (label: string, value: string) => list.push({ label, value });

  const parts = { header: h, payload: p, signature: s };
  for (const [part, text] of Object.entries(parts)) {
    const bytes = Buffer.from(text, "base64url");
    for (let i = 0; i < bytes.length; i += 1) {
      for (let bit = 0; bit < 8; bit += 1) {
        const flipped = Buffer.from(bytes);
        flipped[i] = (flipped[i] ?? 0) ^ (1 << bit);
        const replaced = { ...parts, [part]: flipped.toString("base64url") };
        add(
          `${part} byte ${i} bit ${bit}`,
          `${replaced.header}.${replaced.payload}.${replaced.signature}`,
        );
      }
    }
  }
  for (let i = 0; i < genuine.length; i += 1) {
    for (const char of ["A", "_", "."]) {
      if (genuine[i] !== char)
        add(`char ${i} -> ${char}`, genuine.slice(0, i) + char + genuine.slice(i + 1));
    }
  }
  for (let length = 0; length < genuine.length; length += 1) {
    add(`truncated to ${length}`, genuine.slice(0, length));
  }
  const hmacKeys: Record<string, Uint8Array> = {
    "the app secret": new TextEncoder().encode(material.secret),
    "the public JWK": new TextEncoder().encode(JSON.stringify(material.publicJwk)),
    "the public key bytes": Buffer.from(String(material.publicJwk.x ?? ""), "base64url"),
    "the public key text": new TextEncoder().encode(String(material.publicJwk.x ?? "")),
  };
  for (const alg of ["HS256", "HS384", "HS512"]) {
    for (const [what, key] of Object.entries(hmacKeys)) {
      if (key.length === 0) continue;
      add(
        `${alg} keyed with ${what}`,
        await new SignJWT(payload).setProtectedHeader({ ...header, alg } as never).sign(key),
      );
    }
  }
  for (const alg of [
    "none",
    "None",
    "NONE",
    "nOnE",
    "HS256",
    "RS256",
    "ES256",
    "PS256",
    "eddsa",
    "Ed25519",
    "ES256K",
    "",
    null,
    1,
  ]) {
    const swapped = b64({ ...header, alg });
    add(`alg ${String(alg)} with the real signature`, `${swapped}.${p}.${s}`);
    add(`alg ${String(alg)} unsigned`, `${swapped}.${p}.`);
  }
  add("no header alg", `${b64({ ...header, alg: undefined })}.${p}.${s}`);
  add("crit header", `${b64({ ...header, crit: ["exp"] })}.${p}.${s}`);
  add("jku header", `${b64({ ...header, jku: "https://evil.example/jwks" })}.${p}.${s}`);
  add("embedded jwk", `${b64({ ...header, jwk: material.publicJwk })}.${p}.${s}`);
  add("b64 false", `${b64({ ...header, b64: false, crit: ["b64"] })}.${p}.${s}`);
  const { privateKey } = await generateKeyPair("EdDSA", { crv: "Ed25519" });
  const kids: unknown[] = [
    "",
    "0",
    "not-ours",
    "../jwks",
    "' or '1'='1",
    "x".repeat(1000),
    "\u202e",
    null,
    1,
    ["x"],
    { id: 1 },
    undefined,
  ];
  for (const kid of kids) {
    const label = `kid ${JSON.stringify(kid)?.slice(0, 20)}`;
    add(`${label}, real signature`, `${b64({ ...header, kid })}.${p}.${s}`);
    add(
      `${label}, foreign key`,
      await new SignJWT(payload).setProtectedHeader({ ...header, kid } as never).sign(privateKey),
    );
  }
  add(
    "real kid, foreign key",
    await new SignJWT(payload).setProtectedHeader(header as never).sign(privateKey),
  );
  const extra: Record<string, string> = {
    "trailing dot": `${genuine}.`,
    "fourth segment": `${genuine}.${s}`,
    "five segments (JWE shape)": `${h}.${p}.${s}.${s}.${s}`,
    "two segments": `${h}.${p}`,
    "empty payload": `${h}..${s}`,
    "leading dot": `.${genuine}`,
    "padding added": `${h}.${p}.${s}==`,
    "base64 alphabet": `${h}.${p}.${Buffer.from(s, "base64url").toString("base64")}`,
    "payload padded": `${h}.${p}=.${s}`,
    "header twice": `${h}.${h}.${s}`,
    "payload with space": `${h}.${p} .${s}`,
    "signature doubled": `${h}.${p}.${s}${s}`,
    "JSON instead of base64": `${JSON.stringify(header)}.${JSON.stringify(payload)}.${s}`,
    "5 KB": `${genuine}${"A".repeat(5000)}`,
    empty: "",
  };
  for (const [label, value] of Object.entries(extra)) add(label, value);
  const valid = list.filter((forgery) => PRINTABLE.test(forgery.value));
  const remaining = Math.max(0, total - valid.length);
  const edits = randomEdits(genuine, remaining + 500, "random edits", material.seed + 2);
  return [...valid, ...edits.filter((forgery) => PRINTABLE.test(forgery.value))].slice(
    0,
    Math.max(total, valid.length),
  );
}

/** Every `step`-th item, about `count` of them: a spread-out sample for the slower HTTP checks. */
export function spreadSample<T>(items: T[], count: number): T[] {
  const step = Math.max(1, Math.floor(items.length / count));
  return items.filter((_, i) => i % step === 0).slice(0, count);
}
