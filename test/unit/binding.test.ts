import { describe, expect, it } from "vitest";
import { createClientIpResolver } from "../../server/http/client-ip";
import {
  browserFamily,
  compareBinding,
  networkPrefix,
} from "../../server/sessions/authenticate/binding";

const FIREFOX_132_LINUX = "Mozilla/5.0 (X11; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0";
const FIREFOX_133_LINUX = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0";
const CHROME_LINUX =
  "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
const FIREFOX_WINDOWS =
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:132.0) Gecko/20100101 Firefox/132.0";

describe("networkPrefix", () => {
  it("keeps the /24 of IPv4 and the /64 of IPv6", () => {
    expect(networkPrefix("203.0.113.7")).toBe("203.0.113.0/24");
    expect(networkPrefix("::ffff:203.0.113.200")).toBe("203.0.113.0/24");
    expect(networkPrefix("2001:db8:0:1:aaaa::1")).toBe("2001:db8:0:1::/64");
    expect(networkPrefix("2001:0db8:0000:0001:ffff:0:0:2")).toBe("2001:db8:0:1::/64");
    expect(networkPrefix("2001:db8::1")).toBe("2001:db8:0:0::/64");
    expect(networkPrefix("")).toBeNull();
  });
});

describe("compareBinding", () => {
  const created = { ipAddress: "203.0.113.7", userAgent: FIREFOX_132_LINUX };

  it("ignores a browser update and another address in the same network", () => {
    expect(
      compareBinding(created, { ipAddress: "203.0.113.250", userAgent: FIREFOX_133_LINUX }),
    ).toBeNull();
  });

  it("sees another /24 (just outside) as another network", () => {
    expect(
      compareBinding(created, { ipAddress: "203.0.114.7", userAgent: FIREFOX_132_LINUX }),
    ).toEqual({
      network: true,
      browser: false,
    });
  });

  it("sees another browser family or OS as another browser", () => {
    expect(compareBinding(created, { ipAddress: "203.0.113.7", userAgent: CHROME_LINUX })).toEqual({
      network: false,
      browser: true,
    });
    expect(
      compareBinding(created, { ipAddress: "203.0.113.7", userAgent: FIREFOX_WINDOWS }),
    ).toEqual({
      network: false,
      browser: true,
    });
  });

  it("IPv6: same /64 matches, the next /64 does not", () => {
    const v6 = { ipAddress: "2001:db8:0:1::10", userAgent: FIREFOX_132_LINUX };
    expect(
      compareBinding(v6, { ipAddress: "2001:db8:0:1:ffff::1", userAgent: FIREFOX_132_LINUX }),
    ).toBeNull();
    expect(
      compareBinding(v6, { ipAddress: "2001:db8:0:2::10", userAgent: FIREFOX_132_LINUX })?.network,
    ).toBe(true);
  });

  it("cannot mismatch on what the session never recorded", () => {
    expect(
      compareBinding(
        { ipAddress: "", userAgent: "" },
        { ipAddress: "198.51.100.1", userAgent: CHROME_LINUX },
      ),
    ).toBeNull();
  });

  it("names the browser family without versions", () => {
    expect(browserFamily(FIREFOX_132_LINUX)).toBe(browserFamily(FIREFOX_133_LINUX));
    expect(browserFamily(FIREFOX_132_LINUX)).toBe("Firefox/Linux");
  });
});

describe("client IP behind trusted proxies", () => {
  it("uses the socket address when no proxy is trusted, whatever X-Forwarded-For says", () => {
    const resolve = createClientIpResolver([]);
    expect(resolve("198.51.100.9", "1.2.3.4")).toBe("198.51.100.9");
    expect(resolve("::ffff:198.51.100.9", undefined)).toBe("198.51.100.9");
  });

  it("walks X-Forwarded-For from the right past trusted proxies only", () => {
    const resolve = createClientIpResolver(["10.0.0.0/8", "192.0.2.1"]);
    // client -> 192.0.2.1 (CDN) -> 10.1.2.3 (load balancer) -> us
    expect(resolve("10.1.2.3", "203.0.113.7, 192.0.2.1")).toBe("203.0.113.7");
    // A client cannot forge its address by prepending hops: the first untrusted hop wins.
    expect(resolve("10.1.2.3", "6.6.6.6, 203.0.113.7")).toBe("203.0.113.7");
    // From an untrusted socket the header is ignored.
    expect(resolve("198.51.100.9", "203.0.113.7")).toBe("198.51.100.9");
    // Garbage in the header stops the walk at the last trusted hop.
    expect(resolve("10.1.2.3", "not-an-ip")).toBe("10.1.2.3");
  });
});
