/**
 * The client's address. X-Forwarded-For is believed only as far as it was written by proxies we
 * were told to trust: walking from the socket towards the client, the first address that is not
 * a trusted proxy is the client (the usual rule, e.g. Express's `trust proxy` with a list).
 */
import { BlockList, isIP } from "node:net";

export type ClientIpResolver = (
  socketAddress: string | undefined,
  forwardedFor: string | undefined,
) => string;

export function createClientIpResolver(trustedProxies: readonly string[]): ClientIpResolver {
  const trusted = new BlockList();
  for (const entry of trustedProxies) {
    const [address = "", prefix] = entry.split("/");
    const family = isIP(address) === 6 ? "ipv6" : "ipv4";
    if (prefix === undefined) trusted.addAddress(address, family);
    else trusted.addSubnet(address, Number(prefix), family);
  }
  const isTrusted = (ip: string) => {
    const family = isIP(ip);
    return family !== 0 && trusted.check(ip, family === 6 ? "ipv6" : "ipv4");
  };

  return (socketAddress, forwardedFor) => {
    let client = normalize(socketAddress ?? "");
    if (trustedProxies.length === 0 || !forwardedFor) return client;
    const hops = forwardedFor
      .split(",")
      .map((hop) => normalize(hop.trim()))
      .filter(Boolean);
    while (isTrusted(client)) {
      const next = hops.pop();
      if (!next || isIP(next) === 0) break;
      client = next;
    }
    return client;
  };
}

function normalize(ip: string): string {
  return ip.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, "");
}
