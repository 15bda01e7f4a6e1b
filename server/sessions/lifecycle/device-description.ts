import Bowser from "bowser";

export interface DeviceDescription {
  browser: string | null;
  os: string | null;
  /** desktop, mobile, tablet, tv, or null when the user agent does not say. */
  type: string | null;
}

/** Browser, OS and device type from a user agent, parsed by bowser (maintained, MIT). */
export function describeDevice(userAgent: string | null): DeviceDescription {
  if (!userAgent) return { browser: null, os: null, type: null };
  const parsed = Bowser.parse(userAgent);
  const browser = [parsed.browser.name, majorVersion(parsed.browser.version)]
    .filter(Boolean)
    .join(" ");
  const os = [parsed.os.name, parsed.os.versionName ?? parsed.os.version].filter(Boolean).join(" ");
  return { browser: browser || null, os: os || null, type: parsed.platform.type ?? null };
}

function majorVersion(version: string | undefined): string | undefined {
  return version?.split(".")[0];
}
