import { describe, expect, it } from "vitest";
import { describeDevice } from "../../server/sessions/lifecycle/device-description";

describe("describeDevice", () => {
  it.each([
    [
      "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
      { browser: "Chrome 131", os: "Windows 10", type: "desktop" },
    ],
    [
      "Mozilla/5.0 (iPad; CPU OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Mobile/15E148 Safari/604.1",
      { browser: "Safari 17", os: "iOS 17.6", type: "tablet" },
    ],
    [
      "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36",
      { browser: "Chrome 131", os: "Android 14", type: "mobile" },
    ],
  ])("parses %s", (userAgent, expected) => {
    expect(describeDevice(userAgent)).toEqual(expected);
  });

  it("says nothing rather than guessing for a missing or unknown agent", () => {
    expect(describeDevice(null)).toEqual({ browser: null, os: null, type: null });
    expect(describeDevice("curl/8.5.0")).toEqual({ browser: null, os: null, type: null });
  });
});
