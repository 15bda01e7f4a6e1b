-- Session tokens hashed at rest: `session.token` holds SHA-256 (hex) of the token the cookie
-- carries, never the token itself. See docs/decisions/0020-session-tokens-hashed-at-rest.md.

-- Sessions created before: their stored token becomes its hash, which is what the server now
-- looks up for a cookie, so cookies already issued keep working.
UPDATE "session" SET "token" = encode(sha256(convert_to("token", 'UTF8')), 'hex');
--> statement-breakpoint
ALTER TABLE "session" ADD CONSTRAINT "session_token_sha256_hex" CHECK ("session"."token" ~ '^[0-9a-f]{64}$');
--> statement-breakpoint

-- An end event's token_hash is the stored value itself now (it was SHA-256 of the stored token:
-- the same value, so events recorded before and after match the same cookie).
CREATE OR REPLACE FUNCTION "session_record_end"() RETURNS trigger LANGUAGE plpgsql AS $$
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
    ended."token",
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
