ALTER TABLE "connections" ALTER COLUMN "password_min_length" SET DEFAULT 15;--> statement-breakpoint
ALTER TABLE "tickets" ADD COLUMN "rejected_submissions" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
-- Argon2 hashes as the PHC string format and the reference encoding order their parameters
-- (m, t, p). node-argon2 0.45 wrote m, p, t, which strict verifiers (libsodium, PHP, Go) reject.
-- Only the order changes: the hash, salt and parameters stay, so every password keeps working.
UPDATE "users" SET "password_hash" = regexp_replace("password_hash", '^\$(argon2(id|i|d))\$v=(\d+)\$m=(\d+),p=(\d+),t=(\d+)\$', '$\1$v=\3$m=\4,t=\6,p=\5$')
WHERE "password_hash" ~ '^\$argon2(id|i|d)\$v=\d+\$m=\d+,p=\d+,t=\d+\$';--> statement-breakpoint
UPDATE "password_history" SET "password_hash" = regexp_replace("password_hash", '^\$(argon2(id|i|d))\$v=(\d+)\$m=(\d+),p=(\d+),t=(\d+)\$', '$\1$v=\3$m=\4,t=\6,p=\5$')
WHERE "password_hash" ~ '^\$argon2(id|i|d)\$v=\d+\$m=\d+,p=\d+,t=\d+\$';
