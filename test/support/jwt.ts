/**
 * JWTs for the API-client tests: reading ours, and the forgeries a verifier must refuse (a flipped
 * signature, `alg: none`, HS256 keyed with the app secret, a foreign key, the right key with the
 * wrong issuer or audience, an expired token).
 */
import { decodeJwt, decodeProtectedHeader, generateKeyPair, SignJWT } from "jose";
import type { Auth } from "../../server/auth/better-auth";

export interface ApiTokenClaims {
  sid: string;
  sub: string;
  iss: string;
  aud: string;
  exp: number;
  iat: number;
}

export function claimsOf(token: string): ApiTokenClaims {
  return decodeJwt(token) as unknown as ApiTokenClaims;
}

export function kidOf(token: string): string {
  const { kid } = decodeProtectedHeader(token);
  if (!kid) throw new Error("token has no kid");
  return kid;
}

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

/** The same token with one byte of its signature changed. */
export function withFlippedSignatureByte(token: string): string {
  const [header, payload, signature = ""] = token.split(".");
  const bytes = Buffer.from(signature, "base64url");
  bytes[10] = (bytes[10] ?? 0) ^ 0x01;
  return `${header}.${payload}.${bytes.toString("base64url")}`;
}

/** The token's claims and kid, unsigned (`alg: none`). */
export function unsignedCopy(token: string): string {
  const header = { alg: "none", typ: "JWT", kid: kidOf(token) };
  return `${base64url(header)}.${base64url(claimsOf(token))}.`;
}

/** The token's claims and kid, signed with HMAC-SHA256 keyed by `secret` (key confusion). */
export function hs256Copy(token: string, secret: string): Promise<string> {
  return new SignJWT({ ...claimsOf(token) })
    .setProtectedHeader({ alg: "HS256", typ: "JWT", kid: kidOf(token) })
    .sign(new TextEncoder().encode(secret));
}

/** These claims signed by a freshly generated Ed25519 key the server has never seen. */
export async function signedByForeignKey(claims: Record<string, unknown>): Promise<string> {
  const { privateKey } = await generateKeyPair("EdDSA", { crv: "Ed25519" });
  return new SignJWT(claims)
    .setProtectedHeader({ alg: "EdDSA", kid: "not-one-of-ours" })
    .sign(privateKey);
}

/** The token's claims signed by a key the server has never seen. */
export function foreignKeyCopy(token: string): Promise<string> {
  return signedByForeignKey({ ...claimsOf(token) });
}

/**
 * A token signed with the server's own key (Better Auth's server-only signJWT) with the claims
 * given, the others taken from `token`: a wrong issuer, audience or expiry with a valid signature.
 */
export async function signedByServer(
  auth: Auth,
  token: string,
  claims: Partial<Record<keyof ApiTokenClaims, string | number | undefined>>,
): Promise<string> {
  const payload: Record<string, unknown> = { ...claimsOf(token), ...claims };
  for (const [name, value] of Object.entries(payload)) {
    if (value === undefined) delete payload[name];
  }
  const { token: signed } = await auth.api.signJWT({ body: { payload } });
  return signed;
}

/**
 * The forgeries of a genuine `token` (issued by `auth`, whose secret is `secret`) that every door
 * must refuse as TOKEN_INVALID, by label; a suite adds its own.
 */
export async function refusedJwts(
  auth: Auth,
  token: string,
  secret: string,
): Promise<Record<string, string>> {
  const nowSec = Math.floor(Date.now() / 1000);
  return {
    "a flipped signature byte": withFlippedSignatureByte(token),
    "alg none": unsignedCopy(token),
    "HS256 keyed with BETTER_AUTH_SECRET": await hs256Copy(token, secret),
    "an unknown key": await foreignKeyCopy(token),
    "another issuer": await signedByServer(auth, token, { iss: "https://issuer.example" }),
    "another audience": await signedByServer(auth, token, { aud: "https://api.example" }),
    "expired 10 s ago": await signedByServer(auth, token, { iat: nowSec - 910, exp: nowSec - 10 }),
    garbage: "garbage",
  };
}
