CREATE TABLE "password_reveals" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"public_id" text NOT NULL,
	"user_id" bigint NOT NULL,
	"channel" text NOT NULL,
	"slack_team_id" text,
	"slack_user_id" text,
	"slack_channel" text,
	"slack_ts" text,
	"message_ref" text,
	"token_hash" text,
	"sealed_password" text,
	"password_changed_at" timestamp with time zone NOT NULL,
	"requested_by" text NOT NULL,
	"connection" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"revealed_at" timestamp with time zone,
	"expired_at" timestamp with time zone,
	CONSTRAINT "password_reveals_public_id_unique" UNIQUE("public_id"),
	CONSTRAINT "password_reveals_message_ref_unique" UNIQUE("message_ref"),
	CONSTRAINT "password_reveals_token_hash_unique" UNIQUE("token_hash")
);
--> statement-breakpoint
ALTER TABLE "password_reveals" ADD CONSTRAINT "password_reveals_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "password_reveals_pending_idx" ON "password_reveals" USING btree ("expires_at") WHERE revealed_at is null and expired_at is null;