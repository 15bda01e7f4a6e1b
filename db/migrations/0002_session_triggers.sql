-- Session lifecycle rules that must hold whoever writes the session table (Better Auth, our
-- procedures, the cleanup, another instance): see docs/decisions/0009-session-lifecycle-in-the-database.md.

INSERT INTO "session_policy" ("id", "max_per_user", "limit_policy", "absolute_lifetime_sec")
VALUES (true, 5, 'evict-oldest', 2592000)
ON CONFLICT ("id") DO NOTHING;
--> statement-breakpoint

-- Before a session is inserted: cap its expiry at the absolute lifetime, and enforce the per-user
-- limit. The transaction-scoped advisory lock serialises sign-ins of one user across connections
-- and instances until the insert commits, so 30 parallel sign-ins can never leave more than the
-- limit alive. `deny` skips the insert (Better Auth then reports it could not create a session,
-- which server/auth.ts turns into SESSION_LIMIT_REACHED); `evict-oldest` ends the least recently
-- active sessions, recorded by session_record_end with reason `limit`.
CREATE FUNCTION "session_before_insert"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  policy "session_policy"%ROWTYPE;
  live_count integer;
  -- The settings this function overrides while it evicts, restored afterwards.
  saved text[] := ARRAY[
    current_setting('sessions.end_reason', true),
    current_setting('sessions.actor_given', true),
    current_setting('sessions.actor_user_id', true),
    current_setting('sessions.actor_session_id', true),
    current_setting('sessions.actor_ip', true),
    current_setting('sessions.actor_user_agent', true)
  ];
BEGIN
  SELECT * INTO policy FROM "session_policy" WHERE "id";
  IF NOT FOUND THEN
    RETURN NEW;
  END IF;
  NEW."expires_at" := least(NEW."expires_at", NEW."created_at" + make_interval(secs => policy."absolute_lifetime_sec"));
  PERFORM pg_advisory_xact_lock(hashtextextended('session_limit:' || NEW."user_id", 0));
  SELECT count(*) INTO live_count FROM "session"
    WHERE "user_id" = NEW."user_id" AND "expires_at" > now();
  IF live_count < policy."max_per_user" THEN
    RETURN NEW;
  END IF;
  IF policy."limit_policy" = 'deny' THEN
    RETURN NULL;
  END IF;
  -- The sign-in that went over the limit is the actor.
  PERFORM set_config('sessions.end_reason', 'limit', true);
  PERFORM set_config('sessions.actor_given', 'on', true);
  PERFORM set_config('sessions.actor_user_id', NEW."user_id", true);
  PERFORM set_config('sessions.actor_session_id', NEW."id", true);
  PERFORM set_config('sessions.actor_ip', coalesce(NEW."ip_address", ''), true);
  PERFORM set_config('sessions.actor_user_agent', coalesce(NEW."user_agent", ''), true);
  DELETE FROM "session" WHERE "id" IN (
    SELECT "id" FROM "session"
    WHERE "user_id" = NEW."user_id" AND "expires_at" > now()
    ORDER BY "updated_at", "created_at", "id"
    LIMIT live_count - policy."max_per_user" + 1
  );
  PERFORM set_config('sessions.end_reason', coalesce(saved[1], ''), true);
  PERFORM set_config('sessions.actor_given', coalesce(saved[2], ''), true);
  PERFORM set_config('sessions.actor_user_id', coalesce(saved[3], ''), true);
  PERFORM set_config('sessions.actor_session_id', coalesce(saved[4], ''), true);
  PERFORM set_config('sessions.actor_ip', coalesce(saved[5], ''), true);
  PERFORM set_config('sessions.actor_user_agent', coalesce(saved[6], ''), true);
  RETURN NEW;
END
$$;
--> statement-breakpoint
CREATE TRIGGER "session_before_insert" BEFORE INSERT ON "session"
  FOR EACH ROW EXECUTE FUNCTION "session_before_insert"();
--> statement-breakpoint

-- A sliding refresh never extends a session past its absolute lifetime.
CREATE FUNCTION "session_before_update"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  lifetime_sec integer;
BEGIN
  SELECT "absolute_lifetime_sec" INTO lifetime_sec FROM "session_policy" WHERE "id";
  IF lifetime_sec IS NOT NULL THEN
    NEW."expires_at" := least(NEW."expires_at", NEW."created_at" + make_interval(secs => lifetime_sec));
  END IF;
  RETURN NEW;
END
$$;
--> statement-breakpoint
CREATE TRIGGER "session_before_update" BEFORE UPDATE OF "expires_at" ON "session"
  FOR EACH ROW EXECUTE FUNCTION "session_before_update"();
--> statement-breakpoint

-- Every ended session leaves an event, whatever ended it: our code says why and who through the
-- transaction-local settings sessions.end_reason / sessions.actor_* (server/sessions/end.ts;
-- with actor_given set, an empty actor field means "nobody", e.g. the CLI or the cleanup).
-- Without them the row tells: past its lifetime it expired, otherwise it was signed out by its
-- own user. One INSERT per statement, so a cleanup batch stays one round trip.
CREATE FUNCTION "session_record_end"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  given_reason text := nullif(current_setting('sessions.end_reason', true), '');
  actor_given boolean := coalesce(current_setting('sessions.actor_given', true), '') = 'on';
  actor_user text := nullif(current_setting('sessions.actor_user_id', true), '');
  actor_session text := nullif(current_setting('sessions.actor_session_id', true), '');
  actor_ip text := nullif(current_setting('sessions.actor_ip', true), '');
  actor_agent text := nullif(current_setting('sessions.actor_user_agent', true), '');
  -- NULL without a policy row: then no session counts as past its absolute lifetime.
  lifetime interval := (SELECT make_interval(secs => "absolute_lifetime_sec") FROM "session_policy" WHERE "id");
BEGIN
  INSERT INTO "session_event" (
    "user_id", "session_id", "token_hash", "type", "reason",
    "actor_user_id", "actor_session_id", "ip_address", "user_agent"
  )
  SELECT
    ended."user_id",
    ended."id",
    encode(sha256(convert_to(ended."token", 'UTF8')), 'hex'),
    CASE
      WHEN given_reason = 'cleanup' THEN 'cleaned_up'
      WHEN given_reason IN ('idle_timeout', 'absolute_timeout') THEN 'expired'
      WHEN given_reason IS NOT NULL THEN 'revoked'
      WHEN ended."created_at" + lifetime <= now() OR ended."expires_at" <= now() THEN 'expired'
      ELSE 'revoked'
    END,
    CASE
      WHEN given_reason IS NOT NULL AND given_reason <> 'cleanup' THEN given_reason
      WHEN ended."created_at" + lifetime <= now() THEN 'absolute_timeout'
      WHEN ended."expires_at" <= now() THEN 'idle_timeout'
      ELSE 'sign_out'
    END,
    CASE WHEN actor_given THEN actor_user ELSE ended."user_id" END,
    CASE WHEN actor_given THEN actor_session ELSE ended."id" END,
    CASE WHEN actor_given THEN actor_ip ELSE ended."ip_address" END,
    CASE WHEN actor_given THEN actor_agent ELSE ended."user_agent" END
  FROM ended_sessions AS ended;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER "session_record_end" AFTER DELETE ON "session"
  REFERENCING OLD TABLE AS ended_sessions
  FOR EACH STATEMENT EXECUTE FUNCTION "session_record_end"();
