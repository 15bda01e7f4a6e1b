import Bowser from "bowser";

export interface DeviceDescription {
  browser: string | null;
  os: string | null;
  /** desktop, mobile, tablet, tv, or null when the user agent does not say. */
  type: string | null;
}

/**
 * Names bowser knows. For a user agent it does not recognise, bowser takes the name (and version)
 * from the agent itself: whoever signs in would write a line of the owner's new-device alert
 * ("Device: Routine check, nothing to do"). Such a device is unknown instead.
 */
const KNOWN_BROWSERS: ReadonlySet<string> = new Set(Object.values(Bowser.BROWSER_MAP));
const KNOWN_OSES: ReadonlySet<string> = new Set(Object.values(Bowser.OS_MAP));
const VERSION = /^[\d._]{1,20}$/;

/** Browser, OS and device type from a user agent, parsed by bowser (maintained, MIT). */
export function describeDevice(userAgent: string | null): DeviceDescription {
  if (!userAgent) return { browser: null, os: null, type: null };
  const parsed = Bowser.parse(userAgent);
  const browserName = known(KNOWN_BROWSERS, parsed.browser.name);
  const browser = browserName
    ? [browserName, majorVersion(parsed.browser.version)].filter(Boolean).join(" ")
    : "";
  const osName = known(KNOWN_OSES, parsed.os.name);
  const os = osName
    ? [osName, parsed.os.versionName ?? versionOnly(parsed.os.version)].filter(Boolean).join(" ")
    : "";
  return { browser: browser || null, os: os || null, type: parsed.platform.type ?? null };
}

function known(names: ReadonlySet<string>, name: string | undefined): string | undefined {
  return name && names.has(name) ? name : undefined;
}

function versionOnly(version: string | undefined): string | undefined {
  return version && VERSION.test(version) ? version : undefined;
}

function majorVersion(version: string | undefined): string | undefined {
  return versionOnly(version)?.split(".")[0];
}
