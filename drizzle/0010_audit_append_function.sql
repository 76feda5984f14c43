-- Appends entries to the audit chain in one statement (src/db/audit-append.ts calls it; the
-- chain is described in src/audit/chain.ts). `entries` is a JSON array of rows, each with
-- `fields`, the entry's canonicalFields text (a JSON array: actor_type, actor_id, action,
-- outcome, target_email, connection, request_id, details), computed by the caller before the
-- lock, and `slack_state`.
--
-- Under the chain's lock (held until the caller's transaction, or this statement alone, commits):
-- read the head (a statement of its own, so that its snapshot sees the last append committed),
-- reserve one range of ids by moving the sequence once (this is the one insert into audit_log,
-- so no other draw can fall inside the range; a rolled-back append leaves a gap, as nextval
-- would), take the time, link each entry to the one before it, insert them all.
--
-- Each link is chain.ts's linkHash over placedText: SHA-256 (hex) of the previous hash, a newline
-- and `[seq,id,"at",` followed by the fields text without its opening bracket, as UTF-8;
-- `passdesk audit verify` recomputes it in TypeScript, and test/audit/chain.test.ts holds the two
-- to the same hashes.
CREATE FUNCTION passdesk_audit_append(entries jsonb) RETURNS void
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  entry_count integer := jsonb_array_length(entries);
  head_seq bigint;
  link text;
  first_id bigint;
  at timestamptz;
  at_json text;
  hashes text[] := '{}';
BEGIN
  IF entry_count = 0 THEN
    RETURN;
  END IF;
  PERFORM pg_advisory_xact_lock(7310245002);
  SELECT chain_seq, chain_hash INTO head_seq, link
    FROM audit_log WHERE chain_seq IS NOT NULL ORDER BY chain_seq DESC LIMIT 1;
  head_seq := coalesce(head_seq, 0);
  link := coalesce(link, repeat('0', 64));
  first_id := setval(pg_get_serial_sequence('audit_log', 'id'),
    nextval(pg_get_serial_sequence('audit_log', 'id')) + entry_count - 1) - entry_count + 1;
  at := date_trunc('milliseconds', clock_timestamp());
  at_json := '"' || to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') || '"';
  FOR i IN 1..entry_count LOOP
    link := encode(sha256(convert_to(
      link || E'\n[' || (head_seq + i) || ',' || (first_id + i - 1) || ',' || at_json || ','
        || substr(entries -> (i - 1) ->> 'fields', 2),
      'UTF8')), 'hex');
    hashes := hashes || link;
  END LOOP;
  -- The columns are read back from the very text each link covers.
  INSERT INTO audit_log (id, created_at, actor_type, actor_id, action, outcome, target_email,
    connection, request_id, details, slack_state, slack_next_attempt_at, chain_seq, chain_hash)
  SELECT first_id + e.n - 1, at, f ->> 0, f ->> 1, f ->> 2, f ->> 3, f ->> 4, f ->> 5, f ->> 6,
    coalesce(nullif(f -> 7, 'null'::jsonb), '{}'::jsonb),
    e.entry ->> 'slack_state',
    CASE WHEN e.entry ->> 'slack_state' = 'pending' THEN at END,
    head_seq + e.n, hashes[e.n]
  FROM jsonb_array_elements(entries) WITH ORDINALITY AS e(entry, n)
  CROSS JOIN LATERAL (SELECT (e.entry ->> 'fields')::jsonb AS f) AS parsed;
END
$$;
