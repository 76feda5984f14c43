-- The database connection every new Passdesk installation starts with: NIST SP 800-63B-4's
-- minimum of 15 characters for a password used alone, no composition rules, blocklist on.
-- (Installations made before 2026-12 were seeded with 12 and keep it: this file runs once.)
INSERT INTO "connections" ("name", "strategy", "password_level", "password_min_length", "password_history_size", "password_dictionary", "password_no_personal_info")
VALUES ('Username-Password-Authentication', 'database', 'none', 15, 5, true, true)
ON CONFLICT ("name") DO NOTHING;
