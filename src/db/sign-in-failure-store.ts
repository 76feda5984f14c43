import {
  BLOCK_LIFETIME_MILLIS,
  type FailureCount,
  type FailureKey,
  type SignInFailureStore,
} from "../sign-in/ports.ts";
import { jsonParameter, type RawQuery, storedText } from "./raw-query.ts";

const keysAt = (parameter: string) =>
  `jsonb_to_recordset(${parameter}::jsonb) as k (connection_id integer, email text, ip text)`;
const COLUMNS = "connection_id, email, ip, failures, last_failure_at, blocked_at";

// A row blocked, or last failed, before the cut-off ($4) starts over as if it were new.
const STALE = `(sign_in_failures.blocked_at < $4::timestamptz
  or (sign_in_failures.blocked_at is null and sign_in_failures.last_failure_at < $4::timestamptz))`;

/**
 * Counts one attempt on each key of `$2` at `$1`, blocking at `$3` failures, in one statement:
 * rows are locked in key order, so concurrent attempts on one identifier are counted one after
 * the other (none slips past the limit) and overlapping batches cannot deadlock.
 */
const COUNT = `insert into sign_in_failures (${COLUMNS})
  select connection_id, email, ip, 1, $1::timestamptz, case when $3::int <= 1 then $1::timestamptz end
  from ${keysAt("$2")}
  order by connection_id, email, ip
  on conflict (connection_id, email, ip) do update set
    failures = case when ${STALE} then 1 else sign_in_failures.failures + 1 end,
    last_failure_at = greatest(sign_in_failures.last_failure_at, excluded.last_failure_at),
    blocked_at = case
      when ${STALE} then excluded.blocked_at
      when sign_in_failures.blocked_at is not null then sign_in_failures.blocked_at
      when sign_in_failures.failures + 1 >= $3::int then excluded.last_failure_at
    end
  returning ${COLUMNS}`;

const RESET = `delete from sign_in_failures using ${keysAt("$1")}
  where sign_in_failures.connection_id = k.connection_id
    and sign_in_failures.email = k.email and sign_in_failures.ip = k.ip
    and (sign_in_failures.blocked_at is null or sign_in_failures.blocked_at = $2::timestamptz)`;

const UNCOUNT = `update sign_in_failures
  set failures = greatest(failures - 1, 0),
    blocked_at = case when blocked_at = $4::timestamptz then null else blocked_at end
  where connection_id = $1 and email = $2 and ip = $3`;

const CLEAR = `delete from sign_in_failures
  where connection_id = $1 and email = $2 and ($3::text is null or ip = $3::text)
  returning blocked_at`;

const LIST = `select ${COLUMNS} from sign_in_failures
  where connection_id = $1 and email = $2
  order by last_failure_at desc, ip`;

const PRUNE = `delete from sign_in_failures
  where (connection_id, email, ip) in (
    select connection_id, email, ip from sign_in_failures
    where last_failure_at < $1::timestamptz
    order by last_failure_at
    limit $2
    for update skip locked)
  returning 1`;

interface Row {
  connection_id: number;
  email: string;
  ip: string;
  failures: number | string;
  last_failure_at: Date | string;
  blocked_at: Date | string | null;
}

function toCount(row: Row): FailureCount {
  return {
    connectionId: Number(row.connection_id),
    email: row.email,
    ip: row.ip,
    failures: Number(row.failures),
    lastFailureAt: new Date(row.last_failure_at),
    blockedAt: row.blocked_at === null ? null : new Date(row.blocked_at),
  };
}

function keysParameter(keys: FailureKey[]): string {
  return jsonParameter(
    keys.map(({ connectionId, email, ip }) => ({ connection_id: connectionId, email, ip })),
  );
}

const keyOf = (key: FailureKey) =>
  JSON.stringify([key.connectionId, storedText(key.email), storedText(key.ip)]);

/** SignInFailureStore in PostgreSQL: the counts every instance shares. */
export function createDrizzleSignInFailureStore(query: RawQuery): SignInFailureStore {
  return {
    async count(keys, maxAttempts, at) {
      if (keys.length === 0) return [];
      const cutoff = new Date(at.getTime() - BLOCK_LIFETIME_MILLIS);
      const rows = await query<Row>(COUNT, [
        at.toISOString(),
        keysParameter(keys),
        maxAttempts,
        cutoff.toISOString(),
      ]);
      const byKey = new Map(rows.map((row) => [keyOf(toCount(row)), toCount(row)]));
      return keys.map((key) => {
        const count = byKey.get(keyOf(key));
        if (!count) throw new Error("no count returned for a sign-in key");
        return count;
      });
    },
    async reset(keys, blockedAt) {
      if (keys.length === 0) return;
      await query(RESET, [keysParameter(keys), blockedAt?.toISOString() ?? null]);
    },
    async uncount({ connectionId, email, ip }, blockedAt) {
      await query(UNCOUNT, [connectionId, email, ip, blockedAt?.toISOString() ?? null]);
    },
    async clear(connectionId, email, ip) {
      const rows = await query<{ blocked_at: unknown }>(CLEAR, [connectionId, email, ip ?? null]);
      return rows.filter((row) => row.blocked_at !== null).length;
    },
    async list(connectionId, email) {
      return (await query<Row>(LIST, [connectionId, email])).map(toCount);
    },
    async prune(before, limit) {
      return (await query(PRUNE, [before.toISOString(), limit])).length;
    },
  };
}
