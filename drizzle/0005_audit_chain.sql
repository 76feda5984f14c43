ALTER TABLE "audit_log" ADD COLUMN "chain_seq" bigint;--> statement-breakpoint
ALTER TABLE "audit_log" ADD COLUMN "chain_hash" text;--> statement-breakpoint
CREATE UNIQUE INDEX "audit_log_chain_seq_key" ON "audit_log" USING btree ("chain_seq") WHERE chain_seq is not null;--> statement-breakpoint
CREATE INDEX "audit_log_anchored_idx" ON "audit_log" USING btree ("id") WHERE action = 'audit.anchored';