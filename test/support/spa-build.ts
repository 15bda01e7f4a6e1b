/**
 * Global setup of the e2e project: builds the SPA once for every browser suite of the run, into a
 * temporary directory that the workers get with `inject("spaDir")` and that is removed after the
 * run. (Each suite used to build it again, twice per file with PostgreSQL.) Vitest runs a
 * project's global setup only when some of its files run, so `--project api` builds nothing.
 */
import type { TestProject } from "vitest/node";
import { buildSpa } from "./browser";
import { hasChromium } from "./environment";

declare module "vitest" {
  export interface ProvidedContext {
    /** The built SPA (`vite build --outDir`), shared read-only by every e2e file. */
    spaDir: string;
  }
}

export default async function setup(project: TestProject) {
  // Without Chromium every browser suite is skipped (global-setup.ts says so): nothing to serve.
  if (!hasChromium) return;
  const startedAt = performance.now();
  const spa = await buildSpa();
  console.info(
    `SPA built once for the e2e files in ${Math.round(performance.now() - startedAt)} ms`,
  );
  project.provide("spaDir", spa.dir);
  return () => spa.remove();
}
