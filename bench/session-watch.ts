/**
 * Is the bench user still signed in while a load runs? autocannon counts statuses only, and
 * `session.current` answers a request without a session with `200 {data: null}`: a load whose
 * session was deleted (by a cleanup that went too far, say) would pass as fast and error-free.
 * A request every half second, checked for the user's own data, costs the server nothing
 * measurable next to thousands per second, and a last one after the load says whether the
 * session survived the row.
 */

export interface SessionCheck {
  /** Requests sampled during the load. */
  sampled: number;
  /** Of those, answers that were not a 200 carrying the user (or did not arrive within 10 s). */
  wrong: number;
  /** The first wrong answer, shortened, for the report. */
  firstWrong: string | null;
  /** The check after the load: the session still answers with the user's data. */
  aliveAfter: boolean;
}

/** Starts sampling `path`; `stop()` ends it, checks once more and says what it saw. */
export function watchSession(
  baseUrl: string,
  path: string,
  headers: Record<string, string>,
  answers: (body: unknown) => boolean,
  everyMs = 500,
): { stop(): Promise<SessionCheck> } {
  const check: SessionCheck = { sampled: 0, wrong: 0, firstWrong: null, aliveAfter: false };
  let stopped = false;
  const probe = async (): Promise<string | null> => {
    try {
      const response = await fetch(`${baseUrl}${path}`, {
        headers,
        signal: AbortSignal.timeout(10_000),
      });
      const body: unknown = await response.json().catch(() => null);
      if (response.status === 200 && answers(body)) return null;
      return `${response.status} ${JSON.stringify(body).slice(0, 200)}`;
    } catch (error) {
      return error instanceof Error ? error.message : String(error);
    }
  };
  const loop = (async () => {
    while (!stopped) {
      await new Promise((resolve) => setTimeout(resolve, everyMs));
      if (stopped) break;
      const wrong = await probe();
      check.sampled += 1;
      if (wrong !== null) {
        check.wrong += 1;
        check.firstWrong ??= wrong;
      }
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      check.aliveAfter = (await probe()) === null;
      return check;
    },
  };
}
