/** Waiting on something outside the test's control (another process, a database coming back). */

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Polls `probe` every 100 ms until it returns something other than null. A probe that throws
 * (a server or database still down) counts as not yet; past `timeoutMs` the wait fails, naming
 * `what` and the probe's last error.
 */
export async function waitFor<T>(
  probe: () => Promise<T | null>,
  timeoutMs = 15_000,
  what = "the condition",
): Promise<T> {
  // performance.now(): a test that fakes Date must not freeze the deadline.
  const deadline = performance.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    const value = await probe().catch((error: unknown) => {
      lastError = error;
      return null;
    });
    if (value !== null) return value;
    if (performance.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`, { cause: lastError });
    }
    await sleep(100);
  }
}
