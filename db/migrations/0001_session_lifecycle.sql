CREATE TABLE "session_event" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "session_event_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"user_id" text NOT NULL,
	"session_id" text NOT NULL,
	"token_hash" text,
	"type" text NOT NULL,
	"reason" text,
	"actor_user_id" text,
	"actor_session_id" text,
	"ip_address" text,
	"user_agent" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "session_policy" (
	"id" boolean PRIMARY KEY DEFAULT true NOT NULL,
	"max_per_user" integer NOT NULL,
	"limit_policy" text NOT NULL,
	"absolute_lifetime_sec" integer NOT NULL,
	CONSTRAINT "session_policy_single_row" CHECK ("session_policy"."id")
);
--> statement-breakpoint
ALTER TABLE "session" ADD COLUMN "binding_mismatch_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "user" ADD COLUMN "role" text DEFAULT 'user' NOT NULL;--> statement-breakpoint
CREATE INDEX "session_event_user_id_id_idx" ON "session_event" USING btree ("user_id","id");--> statement-breakpoint
CREATE INDEX "session_event_token_hash_idx" ON "session_event" USING btree ("token_hash") WHERE "session_event"."token_hash" is not null;--> statement-breakpoint
CREATE INDEX "session_event_created_at_idx" ON "session_event" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "session_created_at_idx" ON "session" USING btree ("created_at");