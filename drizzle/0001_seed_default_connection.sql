-- The database connection every Passdesk starts with (NIST SP 800-63B style policy).
INSERT INTO "connections" ("name", "strategy", "password_level", "password_min_length", "password_history_size", "password_dictionary", "password_no_personal_info")
VALUES ('Username-Password-Authentication', 'database', 'none', 12, 5, true, true)
ON CONFLICT ("name") DO NOTHING;
