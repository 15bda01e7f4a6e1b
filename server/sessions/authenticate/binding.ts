/**
 * Session binding (issue: IP / User-Agent): does a request come from the same network and the
 * same browser as the session was created on? Deliberately coarse: a user agent changes on every
 * browser update and an address within a provider's range, so we compare the browser family and
 * OS name, and the /24 (IPv4) or /64 (IPv6) network.
 */
import { isIPv4, isIPv6 } from "node:net";
import Bowser from "bowser";

export interface SessionOrigin {
  ipAddress?: string | null | undefined;
  userAgent?: string | null | undefined;
}

export interface BindingMismatch {
  network: boolean;
  browser: boolean;
}

/** What differs between the session's origin and this request; null when nothing does. */
export function compareBinding(
  created: SessionOrigin,
  request: SessionOrigin,
): BindingMismatch | null {
  // A side we know nothing about cannot mismatch (sessions created without a request). The same
  // string on both sides (nearly every request) needs no parsing.
  const network =
    Boolean(created.ipAddress) &&
    created.ipAddress !== request.ipAddress &&
    networkPrefix(created.ipAddress) !== networkPrefix(request.ipAddress);
  const browser =
    Boolean(created.userAgent) &&
    created.userAgent !== request.userAgent &&
    browserFamily(created.userAgent) !== browserFamily(request.userAgent);
  return network || browser ? { network, browser } : null;
}

/** The /24 of an IPv4 address or the /64 of an IPv6 one; IPv4-mapped IPv6 counts as IPv4. */
export function networkPrefix(address: string | null | undefined): string | null {
  if (!address) return null;
  const ip = address
    .trim()
    .toLowerCase()
    .replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, "");
  if (isIPv4(ip)) return `${ip.split(".").slice(0, 3).join(".")}.0/24`;
  if (isIPv6(ip)) return `${expandIPv6(ip).slice(0, 4).join(":")}::/64`;
  return ip;
}

function expandIPv6(ip: string): string[] {
  const withoutZone = ip.split("%")[0] ?? ip;
  const [head = "", tail] = withoutZone.split("::");
  const left = head ? head.split(":") : [];
  const right = tail ? tail.split(":") : [];
  // An embedded IPv4 tail (::a.b.c.d) takes two groups.
  const last = right.at(-1) ?? left.at(-1);
  const embedded = last && isIPv4(last) ? 1 : 0;
  const missing = 8 - left.length - right.length - embedded;
  const groups = tail === undefined ? left : [...left, ...Array(missing).fill("0"), ...right];
  return groups.map((group) => (isIPv4(group) ? group : group.replace(/^0+(?=.)/, "")));
}

/** Parsing a user agent costs tens of microseconds; a busy server sees few distinct ones. */
const familyByUserAgent = new Map<string, string>();
const MAX_REMEMBERED_USER_AGENTS = 5_000;

/** Browser name and OS name, without versions: "Firefox/Linux". */
export function browserFamily(userAgent: string | null | undefined): string | null {
  if (!userAgent) return null;
  let family = familyByUserAgent.get(userAgent);
  if (family === undefined) {
    const parsed = Bowser.parse(userAgent);
    family = `${parsed.browser.name ?? "?"}/${parsed.os.name ?? "?"}`;
    if (familyByUserAgent.size >= MAX_REMEMBERED_USER_AGENTS) familyByUserAgent.clear();
    familyByUserAgent.set(userAgent, family);
  }
  return family;
}
