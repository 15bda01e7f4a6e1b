/**
 * Keyboard checks for the browser tests: walk a page with Tab as a keyboard user would, and read
 * what each focused element looks like. A focus indicator counts as visible when the element's
 * outline or box-shadow changes on focus and the outline has at least 3:1 contrast against the
 * colour around it (WCAG 2.1 SC 1.4.11 applied to focus indicators; 2.4.7 asks that it be visible).
 */
import type { Page } from "playwright-core";
import { expect } from "vitest";
import { SCHEMES } from "./axe";

/** One stop of a Tab walk: which element had focus, and how its focus showed. */
export interface FocusStop {
  /** Tag, accessible name (as far as the DOM tells) and, for inputs, the type: `button "Sign out"`. */
  name: string;
  /** Whether the outline or box-shadow differs from the element's unfocused look. */
  changed: boolean;
  outline: string;
  /** Contrast of the outline's colour against the nearest opaque background around the element. */
  contrast: number;
  /** The element is in the viewport (scrolled into view) while it has focus. */
  inView: boolean;
}

/**
 * The elements a Tab walk should reach, in document order: enabled, rendered, not inert, not
 * taken out of the order with a negative tabindex. Within `scope` when given (a CSS selector).
 */
export async function tabbableNames(page: Page, scope?: string): Promise<string[]> {
  await installHelpers(page);
  return page.evaluate((scopeSelector) => {
    const { describe } = (window as unknown as PageWindow).__keyboardCheck;
    const root = scopeSelector ? document.querySelector(scopeSelector) : document;
    if (!root) throw new Error(`No element ${scopeSelector}`);
    const candidates = root.querySelectorAll<HTMLElement>(
      "a[href], button, input, select, textarea, [tabindex]",
    );
    return [...candidates]
      .filter(
        (el) =>
          el.tabIndex >= 0 &&
          !(el as HTMLButtonElement).disabled &&
          !el.closest("[inert]") &&
          el.checkVisibility({ visibilityProperty: true }),
      )
      .map(describe);
  }, scope ?? null);
}

/** Presses Tab (or Shift+Tab) `count` times and describes where focus is after each press. */
export async function pressTab(
  page: Page,
  count: number,
  options: { shift?: boolean } = {},
): Promise<FocusStop[]> {
  const stops: FocusStop[] = [];
  for (let i = 0; i < count; i += 1) {
    await page.keyboard.press(options.shift ? "Shift+Tab" : "Tab");
    stops.push(await focusStop(page));
  }
  return stops;
}

/**
 * Tabs from the top of the page through every stop until focus leaves the document or comes back
 * to the first stop; returns the stops in order.
 */
export async function tabThroughPage(page: Page, maxStops = 60): Promise<FocusStop[]> {
  // Tab continues from where the user last clicked or focused, even after a blur: start it from
  // a focused marker at the very top of the page instead (out of the Tab order itself).
  await page.evaluate(() => {
    window.scrollTo(0, 0);
    const marker = document.createElement("span");
    marker.tabIndex = -1;
    marker.dataset.tabStart = "";
    document.body.prepend(marker);
    marker.focus();
  });
  const stops: FocusStop[] = [];
  try {
    for (let i = 0; i < maxStops; i += 1) {
      await page.keyboard.press("Tab");
      const stop = await focusStop(page);
      if (stop.name === "body" || stop.name === stops[0]?.name) return stops;
      stops.push(stop);
    }
  } finally {
    await page.evaluate(() => document.querySelector("[data-tab-start]")?.remove());
  }
  throw new Error(`Focus did not leave the page after ${maxStops} Tab presses`);
}

/** Describes the focused element; `body` when nothing has focus. */
export async function focusedName(page: Page): Promise<string> {
  await installHelpers(page);
  return page.evaluate(() => {
    const { describe } = (window as unknown as PageWindow).__keyboardCheck;
    const el = document.activeElement;
    return !el || el === document.body ? "body" : describe(el);
  });
}

async function focusStop(page: Page): Promise<FocusStop> {
  await installHelpers(page);
  return page.evaluate(() => {
    const { describe, contrast } = (window as unknown as PageWindow).__keyboardCheck;
    const el = document.activeElement as HTMLElement | null;
    if (!el || el === document.body) {
      return { name: "body", changed: false, outline: "", contrast: 0, inView: false };
    }
    const look = (style: CSSStyleDeclaration) =>
      `${style.outlineStyle} ${style.outlineWidth} ${style.outlineColor} | ${style.boxShadow}`;
    const focused = getComputedStyle(el);
    const focusedLook = look(focused);
    // The unfocused look: the same element without :focus-visible, read from a clone that
    // sits where it does (same cascade), removed at once.
    const clone = el.cloneNode(false) as HTMLElement;
    clone.removeAttribute("id");
    clone.style.position = "absolute";
    clone.style.visibility = "hidden";
    el.after(clone);
    const unfocusedLook = look(getComputedStyle(clone));
    clone.remove();

    let background = "rgba(0, 0, 0, 0)";
    for (let node = el.parentElement; node; node = node.parentElement) {
      const color = getComputedStyle(node).backgroundColor;
      if (!/^rgba\(.*, 0\)$/.test(color) && color !== "transparent") {
        background = color;
        break;
      }
    }
    const hasOutline =
      focused.outlineStyle !== "none" && Number.parseFloat(focused.outlineWidth) >= 2;
    const rect = el.getBoundingClientRect();
    return {
      name: describe(el),
      changed: focusedLook !== unfocusedLook,
      outline: focusedLook,
      contrast: hasOutline ? contrast(focused.outlineColor, background) : 0,
      inView: rect.bottom > 0 && rect.top < window.innerHeight,
    };
  });
}

interface PageWindow {
  __keyboardCheck: { describe: typeof describeElement; contrast: typeof contrastRatio };
}

/**
 * Puts the two helpers below on the page's window (again after a navigation). Evaluated as a
 * script through the DevTools protocol: the page's CSP, which forbids eval, does not apply to it.
 */
async function installHelpers(page: Page) {
  await page.evaluate(
    `window.__keyboardCheck ??= { describe: ${describeElement}, contrast: ${contrastRatio} }; undefined`,
  );
}

/**
 * Serialised into the page (`toString`), so it must stay self-contained: no imports, no closures.
 * Button and link names come from aria-label or text; inputs from their label.
 */
function describeElement(el: Element): string {
  const tag = el.tagName.toLowerCase();
  const text = (value: string | null | undefined) => (value ?? "").replace(/\s+/g, " ").trim();
  if (el instanceof HTMLInputElement) {
    const label = el.labels?.[0] ? text(el.labels[0].textContent) : text(el.ariaLabel);
    return `${tag}[${el.type}] "${label}"`;
  }
  return `${tag} "${text(el.getAttribute("aria-label")) || text(el.textContent)}"`;
}

/** WCAG contrast ratio of two CSS colours as getComputedStyle gives them (rgb() or color(srgb)). */
function contrastRatio(first: string, second: string): number {
  const channels = (color: string): number[] => {
    const numbers = (color.match(/[\d.]+/g) ?? []).map(Number);
    const scale = color.startsWith("color(") ? 1 : 255;
    return numbers.slice(0, 3).map((value) => value / scale);
  };
  const luminance = (color: string) => {
    const [r = 0, g = 0, b = 0] = channels(color).map((c) =>
      c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4,
    );
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const [lighter, darker] = [luminance(first), luminance(second)].sort((a, b) => b - a);
  return ((lighter ?? 0) + 0.05) / ((darker ?? 0) + 0.05);
}

/**
 * Fails unless every stop shows its focus: the outline or box-shadow changes, the outline reaches
 * 3:1 against its surroundings, and the element is scrolled into view.
 */
export function expectVisibleFocus(stops: FocusStop[], where: string) {
  const hidden = stops
    .filter((stop) => !stop.changed || stop.contrast < 3 || !stop.inView)
    .map((stop) => `${stop.name}: ${stop.outline}, contrast ${stop.contrast.toFixed(2)}`);
  expect(hidden, `focus not visible on ${where}`).toEqual([]);
}

/** Tabs through the whole page in each colour scheme: every control in order, each focus visible. */
export async function expectKeyboardWalk(page: Page, where: string) {
  try {
    for (const colorScheme of SCHEMES) {
      await page.emulateMedia({ colorScheme });
      const stops = await tabThroughPage(page);
      expect(stops.map((stop) => stop.name)).toEqual(await tabbableNames(page));
      expectVisibleFocus(stops, `${where} (${colorScheme})`);
    }
  } finally {
    await page.emulateMedia({ colorScheme: "light" });
  }
}
