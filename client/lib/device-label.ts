interface Device {
  browser: string | null;
  os: string | null;
  type: string | null;
}

/** "Firefox 128 on Linux", or as much of it as the user agent told. */
export function deviceTitle({ browser, os }: Device): string {
  if (browser && os) return `${browser} on ${os}`;
  return browser ?? os ?? "Unknown device";
}

const TYPE_LABELS: Record<string, string> = {
  desktop: "Desktop",
  mobile: "Phone",
  tablet: "Tablet",
  tv: "TV",
  bot: "Bot",
};

export function deviceTypeLabel({ type }: Device): string {
  return (type && TYPE_LABELS[type]) ?? "Unknown type";
}
