/**
 * The real SPA in Debian's Chromium, driven by playwright-core (no downloaded browsers). The SPA is
 * built once per run into a temporary directory (test/support/spa-build.ts) and served by the
 * real HTTP server.
 */
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { chromiumPath } from "./environment";

const projectRoot = fileURLToPath(new URL("../..", import.meta.url));
export const screenshotDir = path.join(projectRoot, "test/e2e/screenshots");

/** Builds the SPA with Vite into a fresh temporary directory; returns it and a cleanup. */
export async function buildSpa(): Promise<{ dir: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), "sessions-spa-"));
  await promisify(execFile)(
    process.execPath,
    [
      path.join(projectRoot, "node_modules/vite/bin/vite.js"),
      "build",
      "--outDir",
      dir,
      "--emptyOutDir",
    ],
    { cwd: projectRoot, maxBuffer: 16 * 1024 * 1024 },
  );
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/**
 * A separate device: its own cookie jar and its own user agent, so the sessions page can tell
 * them apart. Any console error or uncaught exception in the page fails the test that reads
 * `pageErrors`.
 */
export async function openDevice(
  browser: Browser,
  baseURL: string,
  userAgent?: string,
): Promise<{ context: BrowserContext; page: Page; pageErrors: string[] }> {
  const context = await browser.newContext({
    baseURL,
    ...(userAgent ? { userAgent } : {}),
    viewport: { width: 1100, height: 800 },
    colorScheme: "light",
  });
  const page = await context.newPage();
  const pageErrors: string[] = [];
  page.on("pageerror", (error) => pageErrors.push(`pageerror: ${error.message}`));
  page.on("console", (message) => {
    if (message.type() !== "error") return;
    const text = message.text();
    // The browser logs every non-2xx response; those are expected (wrong password, 401 after a
    // revocation) and asserted on by the tests themselves.
    if (text.startsWith("Failed to load resource")) return;
    pageErrors.push(`console: ${text}`);
  });
  return { context, page, pageErrors };
}

export async function screenshot(page: Page, name: string) {
  await mkdir(screenshotDir, { recursive: true });
  await page.screenshot({ path: path.join(screenshotDir, `${name}.png`), fullPage: true });
}
