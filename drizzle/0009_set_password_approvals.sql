CREATE TABLE "set_password_approvals" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"public_id" text NOT NULL,
	"user_id" bigint NOT NULL,
	"connection" text NOT NULL,
	"requester_team_id" text NOT NULL,
	"requester_user_id" text NOT NULL,
	"reason" text NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"decided_by" text,
	"decided_at" timestamp with time zone,
	"expires_at" timestamp with time zone NOT NULL,
	"card_channel" text,
	"card_ts" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "set_password_approvals_public_id_unique" UNIQUE("public_id")
);
--> statement-breakpoint
ALTER TABLE "connections" ADD COLUMN "set_password_approval" text;--> statement-breakpoint
ALTER TABLE "set_password_approvals" ADD CONSTRAINT "set_password_approvals_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "set_password_approvals_pending_idx" ON "set_password_approvals" USING btree ("expires_at") WHERE status = 'pending';