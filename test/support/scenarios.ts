/**
 * The people most tests start from, written once: a user on two devices through the router, a
 * browser that signed up over HTTP.
 */
import { expect } from "vitest";
import type { AppDependencies } from "../../server/dependencies";
import { type Credentials, Device, newCredentials, SAFARI_IPHONE } from "./device";
import { HttpClient } from "./http-client";

/** The phone's address in `userWithTwoDevices` (the laptop keeps Device's default, 203.0.113.7). */
export const PHONE_IP = "198.51.100.20";

/**
 * A user who signed up on a Firefox laptop and signed in on an iPhone from another network: two
 * devices, two sessions (router tests, in-process).
 */
export async function userWithTwoDevices(deps: AppDependencies, prefix = "user") {
  const credentials = newCredentials(prefix);
  const laptop = new Device(deps);
  const userId = (await laptop.signUp(credentials)).user.id;
  const phone = new Device(deps, SAFARI_IPHONE, PHONE_IP);
  await phone.signIn(credentials);
  return { credentials, userId, laptop, phone };
}

export interface SignedUpBrowser {
  client: HttpClient;
  credentials: Credentials;
  userId: string;
  /** The sign-up answer's JSON body. */
  body: { user: { id: string; email: string } } & Record<string, unknown>;
}

/**
 * A browser that signed up over HTTP (a sign-up signs in), after checking it was a 200.
 * `headers` are sent with every request of the client (`x-forwarded-for` behind a trusted proxy).
 */
export async function signedUpBrowser(
  baseUrl: string,
  options: { prefix?: string; headers?: Record<string, string> } = {},
): Promise<SignedUpBrowser> {
  const client = new HttpClient(baseUrl);
  client.defaultHeaders = options.headers ?? {};
  const credentials = newCredentials(options.prefix);
  const response = await client.signUp(credentials);
  const body = await response.json();
  expect(response.status, JSON.stringify(body)).toBe(200);
  return { client, credentials, userId: body.user.id, body };
}

/**
 * Ends, through `session.revoke` from `client`, the user's other session (of exactly two): what a
 * user does from the sessions page. Returns the ended session's id.
 */
export async function revokeOtherDevice(client: HttpClient): Promise<string> {
  const list = (await (await client.query("session.list")).json()).result.data as Array<{
    id: string;
    isCurrent: boolean;
  }>;
  expect(list).toHaveLength(2);
  const other = list.find((s) => !s.isCurrent)?.id ?? "";
  expect((await client.mutate("session.revoke", { id: other })).status).toBe(200);
  return other;
}
