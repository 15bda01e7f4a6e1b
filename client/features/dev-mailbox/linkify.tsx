import type { ReactNode } from "react";

/** http(s) URLs in plain text, up to the next space or a character mail text never puts in one. */
const URL_PATTERN = /https?:\/\/[^\s<>"]+/g;

/**
 * Plain text with its web addresses as links. Only http(s) becomes a link (never `javascript:`
 * or `data:`), and the text is rendered as text: nothing in a mail is ever injected as HTML.
 */
export function Linkified({ text }: { text: string }) {
  const parts: ReactNode[] = [];
  let last = 0;
  for (const match of text.matchAll(URL_PATTERN)) {
    const start = match.index;
    // A sentence's full stop or a closing bracket after a URL is not part of it.
    const url = match[0].replace(/[.,;:!?)\]]+$/, "");
    if (start > last) parts.push(text.slice(last, start));
    parts.push(
      <a key={start} href={url}>
        {url}
      </a>,
    );
    last = start + url.length;
  }
  if (last < text.length) parts.push(text.slice(last));
  return <>{parts}</>;
}
