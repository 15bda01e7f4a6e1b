/** Copies Better Auth's Set-Cookie headers onto the response being built. */
export function forwardSetCookies(from: Headers, to: Headers): void {
  for (const cookie of from.getSetCookie()) to.append("set-cookie", cookie);
}

/**
 * The Cookie header without the named cookie, nor the chunks Better Auth splits a large one into
 * (`name.0`, `name.1`, ...); the same string when it has none of them.
 */
export function withoutCookie(header: string, name: string): string {
  if (!header.includes(name)) return header;
  const isNamed = (cookieName: string) =>
    cookieName === name ||
    (cookieName.startsWith(`${name}.`) && /^\d+$/.test(cookieName.slice(name.length + 1)));
  return header
    .split(";")
    .filter((part) => {
      const eq = part.indexOf("=");
      return !isNamed((eq === -1 ? part : part.slice(0, eq)).trim());
    })
    .map((part) => part.trim())
    .join("; ");
}
