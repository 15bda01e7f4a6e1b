/**
 * PostgreSQL LISTEN/NOTIFY as one small interface for both drivers. The session cache relies on
 * knowing when it might have missed a message, so the channel reports `down` (connection lost:
 * stop trusting what you cached) and `up` (listening again: flush, then trust).
 */
import type { PGliteInterface } from "@electric-sql/pglite";

export interface ChannelHandlers {
  onMessage(payload: string): void;
  /** Messages may be lost from now on. */
  onDown(): void;
  /** Listening (again): every message sent from now on arrives. */
  onUp(): void;
}

export interface NotificationChannel {
  /** Resolves once LISTEN is in place (then `onUp` has been called). */
  start(handlers: ChannelHandlers): Promise<void>;
  /** Sends a NOTIFY on this channel through another connection than the listening one. */
  notify(payload: string): Promise<void>;
  close(): Promise<void>;
}

/** The application_name of the listening connection (with the process id), so operators and tests can find it. */
export const LISTENER_APPLICATION_NAME = `typed-sessions-listener:${process.pid}`;

const RECONNECT_DELAY_MS = [100, 250, 500, 1000, 2000, 5000];

/**
 * A dedicated postgres.js connection to `url` that LISTENs, and re-LISTENs after any disconnect.
 * `send` delivers a NOTIFY some other way (the application's pool), so a listener that hears
 * nothing from other connections also misses its own messages and can tell.
 */
export function postgresChannel(
  url: string,
  channel: string,
  send: (payload: string) => Promise<void>,
): NotificationChannel {
  let handlers: ChannelHandlers | null = null;
  let closed = false;
  let attempt = 0;
  let connection: import("postgres").Sql | null = null;

  async function connect(): Promise<void> {
    const { default: postgres } = await import("postgres");
    // `onnotify` is postgres.js's own hook for NOTIFY messages (what its `listen` uses), missing
    // from its types; its `listen` is not used because it gives up re-listening after one failure.
    const options = {
      max: 1,
      idle_timeout: 0,
      max_lifetime: null,
      fetch_types: false,
      onnotice: () => {},
      connection: { application_name: LISTENER_APPLICATION_NAME },
      onnotify: (name: string, payload: string) => {
        if (name === channel) handlers?.onMessage(payload);
      },
      onclose: () => {
        if (closed || connection !== sql) return;
        connection = null;
        handlers?.onDown();
        void sql.end({ timeout: 0 }).catch(() => {});
        scheduleReconnect();
      },
    };
    const sql: import("postgres").Sql = postgres(url, options as Parameters<typeof postgres>[1]);
    connection = sql;
    await sql.unsafe(`listen "${channel}"`);
    attempt = 0;
    handlers?.onUp();
  }

  function scheduleReconnect() {
    const delay = RECONNECT_DELAY_MS[Math.min(attempt, RECONNECT_DELAY_MS.length - 1)];
    attempt += 1;
    const timer = setTimeout(() => {
      if (closed) return;
      connect().catch(() => {
        const failed = connection;
        connection = null;
        void failed?.end({ timeout: 0 }).catch(() => {});
        if (!closed) scheduleReconnect();
      });
    }, delay);
    timer.unref();
  }

  return {
    async start(given) {
      handlers = given;
      await connect();
    },
    notify: send,
    async close() {
      closed = true;
      const sql = connection;
      connection = null;
      await sql?.end({ timeout: 1 });
    },
  };
}

/** PGlite runs in this process: its LISTEN never drops, so it is up from start to close. */
export function pgliteChannel(client: PGliteInterface, channel: string): NotificationChannel {
  let unlisten: (() => Promise<void>) | null = null;
  return {
    async start(handlers) {
      unlisten = await client.listen(channel, (payload) => handlers.onMessage(payload));
      handlers.onUp();
    },
    async notify(payload) {
      await client.query("select pg_notify($1, $2)", [channel, payload]);
    },
    async close() {
      await unlisten?.().catch(() => {});
    },
  };
}
