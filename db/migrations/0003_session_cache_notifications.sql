-- Cross-instance invalidation of the in-process session cache (server/sessions/session-cache.ts):
-- every instance LISTENs on `session_cache`; a change to a session or a user that a cache may hold
-- is announced at commit. Payloads: `s:<id>,<id>,…` (sessions), `u:<id>` (a user).
-- See docs/decisions/0011-session-cache-and-revocation.md.

-- Ended sessions (any delete: revoke, sign-out, eviction, cleanup, cascade from a user), in
-- chunks of 200 ids so a payload stays under PostgreSQL's 8000-byte limit.
CREATE FUNCTION "session_announce_end"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  chunk text;
BEGIN
  FOR chunk IN
    SELECT string_agg(numbered."id", ',')
    FROM (SELECT "id", (row_number() OVER ()) / 200 AS "part" FROM ended_sessions) AS numbered
    GROUP BY numbered."part"
  LOOP
    PERFORM pg_notify('session_cache', 's:' || chunk);
  END LOOP;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER "session_announce_end" AFTER DELETE ON "session"
  REFERENCING OLD TABLE AS ended_sessions
  FOR EACH STATEMENT EXECUTE FUNCTION "session_announce_end"();
--> statement-breakpoint

-- A refreshed expiry or a binding flag: caches must read the row again.
CREATE FUNCTION "session_announce_change"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('session_cache', 's:' || NEW."id");
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER "session_announce_change" AFTER UPDATE OF "expires_at", "binding_mismatch_at" ON "session"
  FOR EACH ROW EXECUTE FUNCTION "session_announce_change"();
--> statement-breakpoint

-- A changed user (name, email, role, ...): cached sessions carry the user.
CREATE FUNCTION "user_announce_change"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('session_cache', 'u:' || NEW."id");
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER "user_announce_change" AFTER UPDATE ON "user"
  FOR EACH ROW EXECUTE FUNCTION "user_announce_change"();
