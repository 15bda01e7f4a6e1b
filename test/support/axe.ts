/**
 * Accessibility gate for the browser tests: axe-core (the npm package, exact version in
 * package.json) run inside the page on each state a test reaches, in both colour schemes and at a
 * desktop and a phone width, plus a reflow check axe does not make (WCAG 2.1 SC 1.4.10: no
 * sideways scrolling at 320 CSS pixels). Any violation fails the test with a readable list.
 *
 * axe is evaluated through the DevTools protocol (`page.evaluate`), which the page's CSP does not
 * govern, so the policy served to users (`script-src 'self'`, server/http/static-files.ts) stays as
 * it is: no test-only relaxation, no `bypassCSP`.
 */
import { appendFile, mkdir, readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import type { AxeResults, NodeResult, Result, RunOptions } from "axe-core";
import type { Page } from "playwright-core";
import { screenshot, screenshotDir } from "./browser";

const require = createRequire(import.meta.url);
const axePath = require.resolve("axe-core/axe.min.js");

/** The rule sets the gate runs: WCAG 2.0 and 2.1, levels A and AA, and axe's best practices. */
export const AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"] as const;
export const AXE_VERSION: string = require("axe-core/package.json").version;

export type ColorScheme = "light" | "dark";
/** The desktop size every device opens with (test/support/browser.ts) and an iPhone 14's. */
const WIDTHS = [
  { name: "desktop", viewport: { width: 1100, height: 800 } },
  { name: "phone", viewport: { width: 390, height: 844 } },
] as const;
export const SCHEMES: readonly ColorScheme[] = ["light", "dark"];
/** SC 1.4.10 Reflow: content fits 320 CSS pixels without scrolling in two directions. */
const REFLOW_WIDTH = { width: 320, height: 640 };

/** Where each run is logged (one JSON line per state, scheme and width) for docs/accessibility.md. */
const axeLogPath = path.join(screenshotDir, "axe-results.jsonl");

let axeSource: Promise<string> | undefined;

async function injectAxe(page: Page) {
  const present = await page.evaluate(() => "axe" in window);
  if (present) return;
  axeSource ??= readFile(axePath, "utf8");
  // A script, not a function: the trailing expression keeps the (unserialisable) result out.
  await page.evaluate(`${await axeSource}\n;undefined`);
}

const RUN_OPTIONS: RunOptions = {
  runOnly: { type: "tag", values: [...AXE_TAGS] },
  resultTypes: ["violations", "incomplete"],
};

async function runAxe(page: Page): Promise<AxeResults> {
  await injectAxe(page);
  return page.evaluate(
    (options) =>
      (window as unknown as { axe: typeof import("axe-core") }).axe.run(document, options),
    RUN_OPTIONS,
  );
}

function describeNode(node: NodeResult) {
  const target = node.target.map(String).join(" ");
  const why = (node.failureSummary ?? "").split("\n").slice(1).join(" ").trim();
  return `      ${target}${why ? ` — ${why}` : ""}`;
}

function describeViolation(violation: Result) {
  return [
    `    ${violation.id} (${violation.impact ?? "?"}): ${violation.help}`,
    ...violation.nodes.map(describeNode),
  ].join("\n");
}

/**
 * Runs axe on the page as it is now, in every colour scheme at every width, and fails listing
 * each violation: rule, impact, the elements (CSS selectors) and what is wrong with them. Also
 * fails when the page scrolls sideways at any of those widths or at 320 pixels. The page is left
 * as it was found: light scheme, the width it had.
 *
 * Set `A11Y_SCREENSHOTS=1` to also save a screenshot of each scheme at the phone width.
 */
export async function expectAccessible(page: Page, state: string) {
  const original = page.viewportSize();
  const failures: string[] = [];
  const log: string[] = [];
  try {
    for (const width of WIDTHS) {
      await page.setViewportSize(width.viewport);
      const overflow = await sidewaysOverflow(page);
      if (overflow) failures.push(`  ${width.name} (${width.viewport.width}px): ${overflow}`);
      for (const colorScheme of SCHEMES) {
        await page.emulateMedia({ colorScheme });
        const started = performance.now();
        const results = await runAxe(page);
        const ms = Math.round(performance.now() - started);
        if (process.env.A11Y_SCREENSHOTS === "1" && width.name === "phone") {
          await screenshot(page, `a11y-${slug(state)}-${colorScheme}-${width.name}`);
        }
        log.push(
          JSON.stringify({
            state,
            scheme: colorScheme,
            width: width.name,
            url: new URL(page.url()).pathname,
            violations: results.violations.map((v) => v.id),
            incomplete: results.incomplete.map((v) => v.id),
            ms,
          }),
        );
        if (results.violations.length > 0) {
          failures.push(
            `  ${colorScheme}, ${width.name} (${width.viewport.width}px):\n${results.violations
              .map(describeViolation)
              .join("\n")}`,
          );
        }
      }
    }
    await page.setViewportSize(REFLOW_WIDTH);
    const overflow = await sidewaysOverflow(page);
    if (overflow) failures.push(`  ${REFLOW_WIDTH.width}px: ${overflow}`);
  } finally {
    await page.emulateMedia({ colorScheme: "light" });
    if (original) await page.setViewportSize(original);
  }
  await mkdir(screenshotDir, { recursive: true });
  await appendFile(axeLogPath, `${log.join("\n")}\n`);
  if (failures.length > 0) {
    throw new Error(
      `Not accessible: "${state}" (${page.url()}), axe ${AXE_VERSION} (${AXE_TAGS.join(", ")}) and reflow:\n${failures.join("\n")}`,
    );
  }
}

/** What sticks out sideways when the page is wider than the viewport; null when it fits. */
async function sidewaysOverflow(page: Page): Promise<string | null> {
  return page.evaluate(() => {
    const viewport = document.documentElement.clientWidth;
    const excess = document.documentElement.scrollWidth - viewport;
    if (excess <= 0) return null;
    const wide = [...document.body.querySelectorAll<HTMLElement>("*")]
      .filter((el) => el.getBoundingClientRect().right > viewport + 0.5)
      .filter(
        (el) =>
          !el.parentElement || el.parentElement.getBoundingClientRect().right <= viewport + 0.5,
      )
      .slice(0, 5)
      .map(
        (el) =>
          `${el.tagName.toLowerCase()}${el.className ? `.${String(el.className).split(" ").join(".")}` : ""}`,
      );
    return `reflow (WCAG 1.4.10, not an axe rule): the page scrolls ${excess}px sideways; too wide: ${wide.join(", ")}`;
  });
}

function slug(text: string) {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-|-$/g, "");
}
