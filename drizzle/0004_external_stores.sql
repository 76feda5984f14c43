CREATE TABLE "external_password_changes" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"user_id" bigint NOT NULL,
	"ticket_id" bigint,
	"idempotency_key" text NOT NULL,
	"state" text DEFAULT 'claimed' NOT NULL,
	"lease_until" timestamp with time zone NOT NULL,
	"sealed_password" text,
	"history_hash" text NOT NULL,
	"audit" jsonb NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone,
	CONSTRAINT "external_password_changes_idempotency_key_unique" UNIQUE("idempotency_key")
);
--> statement-breakpoint
DROP INDEX "users_connection_email_key";--> statement-breakpoint
ALTER TABLE "connections" ADD COLUMN "store" jsonb;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "external_id" text;--> statement-breakpoint
ALTER TABLE "external_password_changes" ADD CONSTRAINT "external_password_changes_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "external_password_changes" ADD CONSTRAINT "external_password_changes_ticket_id_tickets_id_fk" FOREIGN KEY ("ticket_id") REFERENCES "public"."tickets"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "external_password_changes_one_per_ticket" ON "external_password_changes" USING btree ("ticket_id") WHERE state <> 'released';--> statement-breakpoint
CREATE INDEX "external_password_changes_claimed_idx" ON "external_password_changes" USING btree ("lease_until") WHERE state = 'claimed';--> statement-breakpoint
CREATE UNIQUE INDEX "users_connection_external_key" ON "users" USING btree ("connection_id","external_id") WHERE external_id is not null;--> statement-breakpoint
CREATE UNIQUE INDEX "users_connection_email_key" ON "users" USING btree ("connection_id","email") WHERE external_id is null;