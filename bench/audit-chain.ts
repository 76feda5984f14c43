import type { AuditEntry } from "../src/audit/ports.ts";
import { openDatabase } from "../src/db/client.ts";
import { jsonParameter } from "../src/db/raw-query.ts";
import { createRepository } from "../src/db/stores.ts";
import type { BenchDatabase } from "./database.ts";
import { figure, type SectionResult } from "./report-types.ts";

export interface AuditChainOptions {
  database: BenchDatabase;
  /** Section 1's change_password throughput in this run (answers/s), when it ran. */
  changePasswordPerSecond?: number;
  log(line: string): void;
}

/** The worker's shape: one transaction per batch of resolved requests, a few at once. */
const BATCH = 100;
const IN_FLIGHT = 4;
const ROUND_MILLIS = 4_000;
const ROUNDS = 3;

/** The floor: the statement every audit append was before the chain (one insert, no lock). */
const UNCHAINED_INSERT = `
  insert into audit_log (actor_type, actor_id, action, outcome, target_email, connection,
    request_id, details)
  select actor_type, actor_id, action, outcome, target_email, connection, request_id,
    coalesce(details, '{}')
  from rows from (jsonb_to_recordset($1::jsonb) as (actor_type text, actor_id text,
    action text, outcome text, target_email text, connection text, request_id text,
    details jsonb)) with ordinality as entry (actor_type, actor_id, action, outcome,
    target_email, connection, request_id, details, position)
  order by position`;

function batchOf(round: number, batch: number): AuditEntry[] {
  return Array.from({ length: BATCH }, (_, i) => ({
    actorType: "public",
    actorId: `203.0.113.${i % 250}`,
    action: "password_reset.requested",
    outcome: i % 2 ? "queued" : "unknown_user",
    targetEmail: `bench-audit-${round}-${batch}-${i}@example.com`,
    connection: "Username-Password-Authentication",
    requestId: `req_${round}_${batch}_${i}`,
    details: { clientId: "bench-client" },
  }));
}

/**
 * Section 9: what the hash chain costs an audit append, in the worker's shape (batches of 100
 * entries per transaction, 4 transactions in flight): appends through the real audit log (lock,
 * head, insert with hashes, at the commit) against the statement they were before the chain,
 * in alternating rounds on the same database. With section 1's throughput, the chain's share of
 * change_password's capacity: each answered request is audited once, by the worker.
 */
export async function benchAuditChain(options: AuditChainOptions): Promise<SectionResult> {
  const handle = await openDatabase({ databaseUrl: options.database.url, pgliteDataDir: "" });
  const repo = createRepository(handle);
  const chained: number[] = [];
  const unchained: number[] = [];
  let batches = 0;
  async function measure(append: (entries: AuditEntry[]) => Promise<unknown>, round: number) {
    const until = performance.now() + ROUND_MILLIS;
    const started = performance.now();
    let entries = 0;
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        while (performance.now() < until) {
          await append(batchOf(round, batches++));
          entries += BATCH;
        }
      }),
    );
    return entries / ((performance.now() - started) / 1000);
  }
  try {
    for (let round = 0; round < ROUNDS; round++) {
      unchained.push(
        await measure(
          (entries) =>
            handle.db.transaction(async (tx) => {
              await tx.execute("select 1");
              await handle.query(UNCHAINED_INSERT, [jsonParameter(toRows(entries))]);
            }),
          round,
        ),
      );
      chained.push(
        await measure(
          (entries) =>
            repo.transaction(async (stores) => {
              await stores.audit.recordAll(entries);
            }),
          round,
        ),
      );
      options.log(
        `  round ${round + 1}: unchained ${unchained.at(-1)?.toFixed(0)}/s, chained ${chained.at(-1)?.toFixed(0)}/s`,
      );
    }
  } finally {
    await handle.close();
  }
  const mean = (values: number[]) => values.reduce((sum, v) => sum + v, 0) / values.length;
  const chainedRate = mean(chained);
  const unchainedRate = mean(unchained);
  const section = "9 audit chain";
  const figures = [
    figure({
      section,
      measure: "audit appends/s, batches of 100, 4 in flight",
      unit: "/s",
      value: chainedRate,
      floor: unchainedRate,
      floorLabel: "the same entries by the unchained insert",
    }),
  ];
  const notes: string[] = [];
  const rps = options.changePasswordPerSecond;
  if (rps && Number.isFinite(rps)) {
    // Each request answered is one entry appended: the extra time the chain takes per entry,
    // times the entries per second, is the share of a second the chain takes from the load.
    const extraSecondsPerEntry = Math.max(0, 1 / chainedRate - 1 / unchainedRate);
    const share = rps * extraSecondsPerEntry;
    figures.push(
      figure({
        section,
        measure: "share of change_password throughput the chain takes",
        unit: "%",
        value: share * 100,
        floor: 10,
        floorLabel: "10 % (the issue's limit)",
        target: "≤ 10 %",
        met: share <= 0.1,
        ratio: Number.NaN,
      }),
    );
    notes.push(
      `audit chain: ${rps.toFixed(0)} change_password answers/s × ${(extraSecondsPerEntry * 1e6).toFixed(1)} µs more per audit entry = ${(share * 100).toFixed(1)} % of a second`,
    );
  }
  // The bench's own entries go, so later sections write to the table they would have had.
  await options.database
    .sql`delete from audit_log where action = 'password_reset.requested' and target_email like 'bench-audit-%'`;
  return { figures, details: { chained, unchained, batch: BATCH, inFlight: IN_FLIGHT }, notes };
}

function toRows(entries: AuditEntry[]) {
  return entries.map((entry) => ({
    actor_type: entry.actorType,
    actor_id: entry.actorId ?? null,
    action: entry.action,
    outcome: entry.outcome,
    target_email: entry.targetEmail ?? null,
    connection: entry.connection ?? null,
    request_id: entry.requestId ?? null,
    details: entry.details ?? {},
  }));
}
