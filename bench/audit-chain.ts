import type { AuditEntry } from "../src/audit/ports.ts";
import { openDatabase } from "../src/db/client.ts";
import { drizzleQuery, jsonParameter } from "../src/db/raw-query.ts";
import { createRepository } from "../src/db/stores.ts";
import { snapshotCpu } from "./cpu.ts";
import type { BenchDatabase } from "./database.ts";
import { figure, type SectionResult } from "./report-types.ts";

export interface AuditChainOptions {
  database: BenchDatabase;
  /**
   * From section 1 in this run, when it ran: CPU seconds (Passdesk + PostgreSQL) per
   * change_password request answered under load.
   */
  changePasswordCpuPerRequest?: number;
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
 * in alternating rounds on the same database, counting the CPU both take (this process and
 * PostgreSQL). With section 1's CPU per request, the chain's share of change_password's
 * capacity: each answered request is audited once, by the worker.
 */
export async function benchAuditChain(options: AuditChainOptions): Promise<SectionResult> {
  const handle = await openDatabase({ databaseUrl: options.database.url, pgliteDataDir: "" });
  const repo = createRepository(handle);
  const chained: Round[] = [];
  const unchained: Round[] = [];
  let batches = 0;
  async function measure(
    append: (entries: AuditEntry[]) => Promise<unknown>,
    round: number,
  ): Promise<Round> {
    const until = performance.now() + ROUND_MILLIS;
    const before = snapshotCpu({ bench: process.pid });
    let entries = 0;
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        while (performance.now() < until) {
          await append(batchOf(round, batches++));
          entries += BATCH;
        }
      }),
    );
    const after = snapshotCpu({ bench: process.pid });
    const seconds = (after.at - before.at) / 1000;
    const cpuSeconds = Object.keys(after.byName).reduce(
      (sum, name) => sum + (after.byName[name] ?? 0) - (before.byName[name] ?? 0),
      0,
    );
    return { perSecond: entries / seconds, cpuPerEntry: cpuSeconds / entries };
  }
  try {
    for (let round = 0; round < ROUNDS; round++) {
      unchained.push(
        await measure(
          (entries) =>
            handle.db.transaction(async (tx) => {
              await drizzleQuery(tx)(UNCHAINED_INSERT, [jsonParameter(toRows(entries))]);
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
      const [plain, chain] = [unchained.at(-1), chained.at(-1)];
      options.log(
        `  round ${round + 1}: unchained ${plain?.perSecond.toFixed(0)}/s (${micros(plain?.cpuPerEntry)} µs CPU each), chained ${chain?.perSecond.toFixed(0)}/s (${micros(chain?.cpuPerEntry)} µs CPU each)`,
      );
    }
  } finally {
    await handle.close();
  }
  const mean = (values: number[]) => values.reduce((sum, v) => sum + v, 0) / values.length;
  const chainedRate = mean(chained.map((round) => round.perSecond));
  const unchainedRate = mean(unchained.map((round) => round.perSecond));
  const extraCpuPerEntry = Math.max(
    0,
    mean(chained.map((round) => round.cpuPerEntry)) -
      mean(unchained.map((round) => round.cpuPerEntry)),
  );
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
  const notes = [
    `audit chain: appends serialise on the chain's lock until each commit, so their rate has a ceiling (${chainedRate.toFixed(0)}/s here); the CPU they take is ${micros(extraCpuPerEntry)} µs more per entry (Passdesk's process + PostgreSQL)`,
  ];
  const perRequest = options.changePasswordCpuPerRequest;
  if (perRequest && Number.isFinite(perRequest)) {
    // Each request answered is audited once, by the worker: on a machine whose CPU bounds
    // change_password, the chain takes its extra CPU per entry out of each request's CPU.
    const share = extraCpuPerEntry / (perRequest + extraCpuPerEntry);
    figures.push(
      figure({
        section,
        measure: "change_password throughput the chain's CPU takes",
        unit: "%",
        value: share * 100,
        floor: 10,
        floorLabel: "10 % of it",
        target: "≤ 10 %",
        met: share <= 0.1,
        ratio: Number.NaN,
      }),
    );
    notes.push(
      `audit chain: ${micros(extraCpuPerEntry)} µs more CPU per entry ÷ (${micros(perRequest)} µs CPU per change_password request in section 1 + it) = ${(share * 100).toFixed(1)} %`,
    );
  }
  // The bench's own entries go, so later sections write to the table they would have had.
  await options.database
    .sql`delete from audit_log where action = 'password_reset.requested' and target_email like 'bench-audit-%'`;
  return { figures, details: { chained, unchained, batch: BATCH, inFlight: IN_FLIGHT }, notes };
}

interface Round {
  perSecond: number;
  /** CPU seconds (this process and PostgreSQL) per entry appended. */
  cpuPerEntry: number;
}

const micros = (seconds: number | undefined) =>
  seconds === undefined ? "?" : (seconds * 1e6).toFixed(1);

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
