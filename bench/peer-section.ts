/**
 * Section 10: a password-reset request end to end, Passdesk against better-auth 1.7 (the peer a
 * team would pick), each on a database of its own in the same cluster. "End to end" runs from
 * the load's start to the last email the product's mailer accepted: Passdesk answers first and
 * its worker sends later; better-auth awaits its `sendResetPassword` before it answers.
 */
import autocannon from "autocannon";
import { hashPassword } from "better-auth/crypto";
import { coresUsed, cpuSecondsOf, snapshotCpu } from "./cpu.ts";
import {
  type BenchDatabase,
  createBenchDatabase,
  DEFAULT_CONNECTION,
  type Sql,
} from "./database.ts";
import { enqueueResetEmails } from "./drain.ts";
import { startBenchPassdesk } from "./passdesk.ts";
import { type ChildServer, freePort, startChildServer } from "./processes.ts";
import { figure, SectionFailure, type SectionResult } from "./report-types.ts";
import { ksTwoSample, median, percentile } from "./stats.ts";

export interface PeerOptions {
  adminUrl: string;
  slackApiUrl: string;
  /** Passdesk's users' hash (Argon2id at OWASP's cost), the same string for all. */
  passwordHash: string;
  rounds: number;
  log(line: string): void;
}

const CONNECTIONS = 64;
const ROUND_SECONDS = 8;
const WARMUP_SECONDS = 2;
/**
 * Known addresses seeded per second of load, for each product: above half of any answer rate
 * seen on this machine (up to about 4,000 req/s), so no known address is asked twice.
 */
const KNOWN_PER_SECOND = 2_500;
const TIMING_PER_KIND = 600;
const TIMING_WARMUP_PER_KIND = 100;
const DRAIN_EMAILS = 5_000;
const BACKLOG_TIMEOUT_MILLIS = 300_000;
const BETTER_AUTH_PASSWORD = "Bench-old-password-1";

const sleep = (millis: number) => new Promise((resolve) => setTimeout(resolve, millis));
const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;

/** Same shape in both products' databases and in SQL (`prefix || lpad(k, 6, '0') || …`). */
const address = (prefix: string, k: number) =>
  `${prefix}${String(k).padStart(6, "0")}@bench.example`;

let ipSequence = 0;
/** A client IP no request of this section used before (X-Forwarded-For; Passdesk trusts one proxy). */
function freshIp(): string {
  ipSequence += 1;
  const n = ipSequence;
  return `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
}
let unknownSequence = 0;

/**
 * CPU seconds of each PostgreSQL backend of one database (the cluster-wide sum that section 1
 * uses goes negative here when another session's backends exit during a round).
 */
async function backendCpu(
  database: BenchDatabase,
): Promise<{ at: number; byPid: Map<number, number> }> {
  const rows = await database.sql<{ pid: number }[]>`
    select pid from pg_stat_activity where datname = ${database.name}`;
  return {
    at: performance.now(),
    byPid: new Map(rows.map((row) => [row.pid, cpuSecondsOf(row.pid)])),
  };
}

/** Cores the database's backends used between two snapshots; a backend new since counts whole. */
function backendCores(
  before: { at: number; byPid: Map<number, number> },
  after: { at: number; byPid: Map<number, number> },
): number {
  let seconds = 0;
  for (const [pid, cpu] of after.byPid) seconds += cpu - (before.byPid.get(pid) ?? 0);
  return Number((seconds / ((after.at - before.at) / 1000)).toFixed(2));
}

interface Product {
  name: "passdesk" | "better-auth";
  server: ChildServer;
  database: BenchDatabase;
  path: string;
  body(email: string): string;
  /** Seeded known addresses handed out so far (each once). */
  knownTaken: number;
  knownSeeded: number;
}

interface RoundLoad {
  product: string;
  round: number;
  startedAtEpochMillis: number;
  endedAtEpochMillis: number;
  durationSeconds: number;
  answered: number;
  answersPerSecond: number;
  latencyP50Millis: number;
  latencyP99Millis: number;
  non2xx: number;
  errors: number;
  knownAsked: string[];
  knownAnswered: number;
  /** Known picks that found the pool empty (asked as unknown instead): must stay 0. */
  poolExhausted: number;
  cores: Record<string, number>;
}

/**
 * One autocannon run: 64 connections, each request a fresh client IP and a fresh address, half
 * of them (at random) a seeded user never asked before. The same client code for both products.
 */
async function loadRound(product: Product, seconds: number, round: number): Promise<RoundLoad> {
  const knownAsked: string[] = [];
  let knownAnswered = 0;
  let poolExhausted = 0;
  const before = snapshotCpu({ bench: process.pid, server: product.server.pid });
  const backendsBefore = await backendCpu(product.database);
  const startedAtEpochMillis = Date.now();
  const result = await autocannon({
    url: product.server.url,
    connections: CONNECTIONS,
    duration: seconds,
    timeout: 10,
    requests: [
      {
        method: "POST",
        path: product.path,
        setupRequest: (request, context) => {
          let email: string | undefined;
          context.known = false;
          if (Math.random() < 0.5) {
            if (product.knownTaken < product.knownSeeded) {
              email = address("peer-k-", product.knownTaken);
              product.knownTaken += 1;
              knownAsked.push(email);
              context.known = true;
            } else {
              poolExhausted += 1;
            }
          }
          if (email === undefined) {
            unknownSequence += 1;
            email = `peer-u-${unknownSequence}@bench.example`;
          }
          return {
            ...request,
            body: product.body(email),
            headers: { "content-type": "application/json", "x-forwarded-for": freshIp() },
          };
        },
        onResponse: (status, _body, context) => {
          if (status >= 200 && status < 300 && context.known === true) knownAnswered += 1;
        },
      },
    ],
  });
  const endedAtEpochMillis = Date.now();
  const backendsAfter = await backendCpu(product.database);
  const { postgres: _cluster, ...cores } = coresUsed(
    before,
    snapshotCpu({ bench: process.pid, server: product.server.pid }),
  );
  cores["its PostgreSQL backends"] = backendCores(backendsBefore, backendsAfter);
  return {
    product: product.name,
    round,
    startedAtEpochMillis,
    endedAtEpochMillis,
    durationSeconds: result.duration,
    answered: result["2xx"],
    answersPerSecond: result["2xx"] / result.duration,
    latencyP50Millis: result.latency.p50,
    latencyP99Millis: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    knownAsked,
    knownAnswered,
    poolExhausted,
    cores,
  };
}

/** Until no request waits for the worker and no email waits to be sent; returns the wait. */
async function waitForPassdeskIdle(sql: Sql): Promise<number> {
  const started = performance.now();
  for (;;) {
    const [row] = await sql<{ waiting: string }[]>`
      select (select count(*) from reset_requests where status = 'pending')
           + (select count(*) from email_outbox where status in ('pending', 'sending')) as waiting`;
    if (Number(row?.waiting) === 0) return performance.now() - started;
    if (performance.now() - started > BACKLOG_TIMEOUT_MILLIS) {
      throw new Error(`Passdesk still had ${row?.waiting} requests or emails waiting after 300 s`);
    }
    await sleep(50);
  }
}

interface Completion {
  emails: number;
  lastEmailAtEpochMillis: number;
  /** Last email − the load's end. */
  backlogMillis: number;
  /** Requests answered ÷ (last email − the load's start). */
  completionPerSecond: number;
  /** Empty when the emails match the known addresses answered. */
  mismatch: string;
}

function completion(load: RoundLoad, emails: number, lastAt: number, extra = ""): Completion {
  // A request still in flight when autocannon stops may be served without its answer being
  // counted: emails may exceed the known addresses answered by those, never more.
  const ok = emails >= load.knownAnswered && emails <= load.knownAsked.length;
  const mismatch = [
    ok
      ? ""
      : `${load.product} round ${load.round}: ${emails} emails for ${load.knownAnswered} known addresses answered (${load.knownAsked.length} asked)`,
    load.poolExhausted > 0
      ? `${load.product} round ${load.round}: the known pool ran out ${load.poolExhausted} times`
      : "",
    extra,
  ]
    .filter(Boolean)
    .join("; ");
  return {
    emails,
    lastEmailAtEpochMillis: lastAt,
    backlogMillis: lastAt - load.endedAtEpochMillis,
    completionPerSecond: load.answered / ((lastAt - load.startedAtEpochMillis) / 1000),
    mismatch,
  };
}

async function passdeskCompletion(sql: Sql, load: RoundLoad): Promise<Completion> {
  await waitForPassdeskIdle(sql);
  const [row] = await sql<{ sent: string; rows: string; addresses: string; last: string }[]>`
    select count(*) filter (where status = 'sent') as sent, count(*) as rows,
           count(distinct to_address) as addresses,
           extract(epoch from max(sent_at)) * 1000 as last
    from email_outbox where to_address = any(${load.knownAsked}::text[])`;
  const [unknown] = await sql<{ rows: string }[]>`
    select count(*) as rows from email_outbox where to_address like 'peer-u-%'`;
  const sent = Number(row?.sent);
  const problems = [
    Number(row?.rows) !== sent ? `${Number(row?.rows) - sent} outbox rows not sent` : "",
    Number(row?.addresses) !== Number(row?.rows) ? "an address got two emails" : "",
    Number(unknown?.rows) > 0 ? `${unknown?.rows} emails to unknown addresses` : "",
  ].filter(Boolean);
  return completion(
    load,
    sent,
    Number(row?.last),
    problems.length > 0 ? `passdesk round ${load.round}: ${problems.join(", ")}` : "",
  );
}

async function betterAuthEmails(server: ChildServer) {
  const response = await fetch(`${server.url}/bench/emails`, {
    signal: AbortSignal.timeout(5_000),
  });
  return (await response.json()) as { count: number; lastAtEpochMillis: number };
}

async function betterAuthCompletion(
  server: ChildServer,
  load: RoundLoad,
  countBefore: number,
): Promise<Completion> {
  await sleep(500); // requests cut off at the load's end finish meanwhile
  const after = await betterAuthEmails(server);
  return completion(load, after.count - countBefore, after.lastAtEpochMillis);
}

function shuffle<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
  return items;
}

interface TimingRun {
  knownMillis: number[];
  unknownMillis: number[];
  failures: number;
}

/**
 * One request at a time, known (seeded, each asked once) and unknown addresses of the same
 * length in random order, each from a fresh client IP; the first of each kind are warm-up.
 */
async function timeKnownUnknown(product: Product): Promise<TimingRun> {
  const perKind = TIMING_PER_KIND + TIMING_WARMUP_PER_KIND;
  const plan = shuffle([
    ...Array.from({ length: perKind }, (_, k) => ({ known: true, email: address("peer-t-", k) })),
    ...Array.from({ length: perKind }, (_, k) => ({ known: false, email: address("peer-n-", k) })),
  ]);
  const run: TimingRun = { knownMillis: [], unknownMillis: [], failures: 0 };
  const seen = { known: 0, unknown: 0 };
  for (const step of plan) {
    const started = performance.now();
    const response = await fetch(`${product.server.url}${product.path}`, {
      method: "POST",
      signal: AbortSignal.timeout(15_000),
      headers: { "content-type": "application/json", "x-forwarded-for": freshIp() },
      body: product.body(step.email),
    });
    await response.arrayBuffer();
    const millis = performance.now() - started;
    if (response.status !== 200) run.failures += 1;
    const kind = step.known ? "known" : "unknown";
    seen[kind] += 1;
    if (seen[kind] <= TIMING_WARMUP_PER_KIND) continue;
    (step.known ? run.knownMillis : run.unknownMillis).push(millis);
  }
  return run;
}

async function seedPassdeskUsers(
  sql: Sql,
  prefix: string,
  count: number,
  hash: string,
): Promise<number[]> {
  const rows = await sql<{ id: string }[]>`
    insert into users (connection_id, email, password_hash, password_changed_at)
    select c.id, ${prefix} || lpad(g::text, 6, '0') || '@bench.example', ${hash}, now()
    from connections c, generate_series(0, ${count - 1}::int) g
    where c.name = ${DEFAULT_CONNECTION}
    returning id`;
  const ids = rows.map((row) => Number(row.id));
  await sql`
    insert into password_history (user_id, password_hash)
    select id, password_hash from users where id = any(${ids}::bigint[])`;
  return ids;
}

/** better-auth's user and its credential account, as its sign-up would leave them. */
async function seedBetterAuthUsers(sql: Sql, prefix: string, count: number, hash: string) {
  await sql`
    insert into "user" (id, name, email, "emailVerified", "createdAt", "updatedAt")
    select ${prefix} || g, 'Bench user', ${prefix} || lpad(g::text, 6, '0') || '@bench.example',
           true, now(), now()
    from generate_series(0, ${count - 1}::int) g`;
  await sql`
    insert into account (id, "accountId", "providerId", "userId", password, "createdAt", "updatedAt")
    select 'account-' || ${prefix} || g, ${prefix} || g, 'credential', ${prefix} || g, ${hash}, now(), now()
    from generate_series(0, ${count - 1}::int) g`;
}

/** 5,000 change_password emails committed at once, timed until all are sent (console mailer). */
async function consoleDrain(database: BenchDatabase, passwordHash: string) {
  const userIds = await seedPassdeskUsers(database.sql, "peer-d-", DRAIN_EMAILS, passwordHash);
  const addresses = userIds.map((_, index) => address("peer-d-", index));
  const { committedAt, committedAtEpochMillis } = await enqueueResetEmails(
    database.url,
    userIds,
    addresses,
  );
  let firstAt: number | undefined;
  for (;;) {
    const [row] = await database.sql<{ sent: string }[]>`
      select count(*) as sent from email_outbox
      where to_address like 'peer-d-%' and status = 'sent'`;
    const sent = Number(row?.sent);
    if (sent > 0) firstAt ??= performance.now();
    if (sent >= DRAIN_EMAILS) break;
    if (performance.now() - committedAt > BACKLOG_TIMEOUT_MILLIS) {
      throw new Error(`console drain: ${sent} of ${DRAIN_EMAILS} sent after 300 s`);
    }
    await sleep(20);
  }
  const lastAt = performance.now();
  const [last] = await database.sql<{ last: string }[]>`
    select extract(epoch from max(sent_at)) * 1000 as last
    from email_outbox where to_address like 'peer-d-%'`;
  return {
    emails: DRAIN_EMAILS,
    seconds: (lastAt - committedAt) / 1000,
    emailsPerSecond: DRAIN_EMAILS / ((lastAt - committedAt) / 1000),
    /** From the rows' own sent_at: without the 20 ms polling. */
    emailsPerSecondBySentAt: DRAIN_EMAILS / ((Number(last?.last) - committedAtEpochMillis) / 1000),
    firstSentAfterCommitMillis: (firstAt ?? lastAt) - committedAt,
  };
}

function describeRound(load: RoundLoad, done: Completion): string {
  const cores = Object.entries(load.cores)
    .map(([name, used]) => `${name} ${used}`)
    .join(", ");
  return `${load.answersPerSecond.toFixed(0)} 2xx/s, p50 ${load.latencyP50Millis} ms, p99 ${load.latencyP99Millis} ms, ${load.non2xx + load.errors} failed; ${load.answered} answered (${load.knownAnswered} known), ${done.emails} emails, last ${(done.backlogMillis / 1000).toFixed(2)} s after the load's end; completion ${done.completionPerSecond.toFixed(0)} req/s; cores used: ${cores}`;
}

export async function benchPeer(options: PeerOptions): Promise<SectionResult> {
  const { log, rounds } = options;
  const knownPerProduct = KNOWN_PER_SECOND * (WARMUP_SECONDS + rounds * ROUND_SECONDS);
  const databases: BenchDatabase[] = [];
  const servers: ChildServer[] = [];
  try {
    const passdeskDatabase = await createBenchDatabase(options.adminUrl, "peer_passdesk");
    databases.push(passdeskDatabase);
    const betterAuthDatabase = await createBenchDatabase(options.adminUrl, "peer_betterauth", {
      migrate: false,
    });
    databases.push(betterAuthDatabase);

    const seedStarted = performance.now();
    const betterAuthHash = await hashPassword(BETTER_AUTH_PASSWORD);
    await seedPassdeskUsers(passdeskDatabase.sql, "peer-k-", knownPerProduct, options.passwordHash);
    const timingUsers = TIMING_PER_KIND + TIMING_WARMUP_PER_KIND;
    await seedPassdeskUsers(passdeskDatabase.sql, "peer-t-", timingUsers, options.passwordHash);
    await passdeskDatabase.sql`analyze`;

    const passdesk = await startBenchPassdesk({
      databaseUrl: passdeskDatabase.url,
      slackApiUrl: options.slackApiUrl,
      logLevel: "warn",
    });
    servers.push(passdesk);
    const betterAuth = await startChildServer({
      name: "better-auth",
      script: "bench/better-auth/server.ts",
      port: await freePort(),
      readyPath: "/bench/ready",
      env: {
        DATABASE_URL: betterAuthDatabase.url,
        NODE_ENV: "production",
        // Off by default (and with no endpoint configured it has nowhere to go); blanked so a
        // shell's setting cannot turn it on.
        BETTER_AUTH_TELEMETRY: "",
        BETTER_AUTH_TELEMETRY_ENDPOINT: "",
      },
    });
    servers.push(betterAuth);
    // Its tables exist once it is ready (migrated before it listens).
    await seedBetterAuthUsers(betterAuthDatabase.sql, "peer-k-", knownPerProduct, betterAuthHash);
    await seedBetterAuthUsers(betterAuthDatabase.sql, "peer-t-", timingUsers, betterAuthHash);
    await betterAuthDatabase.sql`analyze`;
    log(
      `  ${knownPerProduct.toLocaleString("en-US")} + ${timingUsers} users seeded in each database in ${((performance.now() - seedStarted) / 1000).toFixed(1)} s; Passdesk ready in ${passdesk.readyMillis.toFixed(0)} ms, better-auth in ${betterAuth.readyMillis.toFixed(0)} ms`,
    );

    const products: Record<Product["name"], Product> = {
      passdesk: {
        name: "passdesk",
        server: passdesk,
        database: passdeskDatabase,
        path: "/dbconnections/change_password",
        body: (email) => JSON.stringify({ email, connection: DEFAULT_CONNECTION }),
        knownTaken: 0,
        knownSeeded: knownPerProduct,
      },
      "better-auth": {
        name: "better-auth",
        server: betterAuth,
        database: betterAuthDatabase,
        path: "/api/auth/request-password-reset",
        body: (email) => JSON.stringify({ email, redirectTo: `${betterAuth.url}/reset-password` }),
        knownTaken: 0,
        knownSeeded: knownPerProduct,
      },
    };

    log(`  warm-up: ${WARMUP_SECONDS} s each`);
    await loadRound(products.passdesk, WARMUP_SECONDS, 0);
    await waitForPassdeskIdle(passdeskDatabase.sql);
    await loadRound(products["better-auth"], WARMUP_SECONDS, 0);

    const runs: Record<Product["name"], Array<RoundLoad & Completion>> = {
      passdesk: [],
      "better-auth": [],
    };
    const mismatches: string[] = [];
    for (let round = 1; round <= rounds; round++) {
      const passdeskLoad = await loadRound(products.passdesk, ROUND_SECONDS, round);
      const passdeskDone = await passdeskCompletion(passdeskDatabase.sql, passdeskLoad);
      log(`  round ${round} passdesk:    ${describeRound(passdeskLoad, passdeskDone)}`);
      runs.passdesk.push({ ...passdeskLoad, ...passdeskDone });

      const countBefore = (await betterAuthEmails(betterAuth)).count;
      const betterAuthLoad = await loadRound(products["better-auth"], ROUND_SECONDS, round);
      const betterAuthDone = await betterAuthCompletion(betterAuth, betterAuthLoad, countBefore);
      log(`  round ${round} better-auth: ${describeRound(betterAuthLoad, betterAuthDone)}`);
      runs["better-auth"].push({ ...betterAuthLoad, ...betterAuthDone });
      for (const done of [passdeskDone, betterAuthDone]) {
        if (done.mismatch) mismatches.push(done.mismatch);
      }
    }

    const timing: Record<Product["name"], TimingRun> = {
      passdesk: await timeKnownUnknown(products.passdesk),
      "better-auth": { knownMillis: [], unknownMillis: [], failures: 0 },
    };
    await waitForPassdeskIdle(passdeskDatabase.sql);
    timing["better-auth"] = await timeKnownUnknown(products["better-auth"]);
    const ks = {
      passdesk: ksTwoSample(timing.passdesk.knownMillis, timing.passdesk.unknownMillis),
      "better-auth": ksTwoSample(
        timing["better-auth"].knownMillis,
        timing["better-auth"].unknownMillis,
      ),
    };
    for (const name of ["passdesk", "better-auth"] as const) {
      const run = timing[name];
      log(
        `  timing ${name}: known median ${median(run.knownMillis).toFixed(3)} ms, unknown ${median(run.unknownMillis).toFixed(3)} ms; KS D ${ks[name].d.toFixed(4)}, p ${ks[name].p.toFixed(4)}; ${run.failures} not 200`,
      );
    }

    const drain = await consoleDrain(passdeskDatabase, options.passwordHash);
    log(
      `  console drain: ${drain.emails} emails in ${drain.seconds.toFixed(2)} s: ${drain.emailsPerSecond.toFixed(0)}/s (${drain.emailsPerSecondBySentAt.toFixed(0)}/s by sent_at; first sent ${drain.firstSentAfterCommitMillis.toFixed(0)} ms after commit)`,
    );

    const p = runs.passdesk;
    const b = runs["better-auth"];
    const passdeskCompletionRate = mean(p.map((r) => r.completionPerSecond));
    const betterAuthCompletionRate = mean(b.map((r) => r.completionPerSecond));
    const worstBacklogSeconds = Math.max(...p.map((r) => r.backlogMillis)) / 1000;
    const section = "10 end-to-end vs better-auth";
    const peerLabel = "better-auth 1.7";
    const figures = [
      figure({
        section,
        measure: "completion throughput (answered ÷ load start → last email)",
        unit: "req/s",
        value: passdeskCompletionRate,
        floor: betterAuthCompletionRate,
        floorLabel: peerLabel,
        target: "≥ 3×",
        met: passdeskCompletionRate >= 3 * betterAuthCompletionRate,
      }),
      figure({
        section,
        measure: "answer throughput (2xx/s, 64 conn.)",
        unit: "req/s",
        value: mean(p.map((r) => r.answersPerSecond)),
        floor: mean(b.map((r) => r.answersPerSecond)),
        floorLabel: peerLabel,
      }),
      figure({
        section,
        measure: "answer latency p99 (64 conn.)",
        unit: "ms",
        value: mean(p.map((r) => r.latencyP99Millis)),
        floor: mean(b.map((r) => r.latencyP99Millis)),
        floorLabel: peerLabel,
      }),
      figure({
        section,
        measure: "last email after the load's end (worst round)",
        unit: "s",
        value: worstBacklogSeconds,
        floor: 0,
        floorLabel: "the load's end",
        ratio: Number.NaN,
        target: "≤ 2 s",
        met: worstBacklogSeconds <= 2,
      }),
      figure({
        section,
        measure: "timing known vs unknown: KS p-value",
        unit: "p",
        value: ks.passdesk.p,
        floor: ks["better-auth"].p,
        floorLabel: "better-auth's p",
        ratio: Number.NaN,
        target: "p ≥ 0.01",
        met: ks.passdesk.p >= 0.01,
      }),
      figure({
        section,
        measure: "outbox drain, console mailer",
        unit: "emails/s",
        value: drain.emailsPerSecond,
        floor: 1_000,
        floorLabel: "the target",
        target: "≥ 1,000/s",
        met: drain.emailsPerSecond >= 1_000,
      }),
    ];
    const strip = (run: RoundLoad & Completion) => {
      const { knownAsked, ...rest } = run;
      return { ...rest, knownAsked: knownAsked.length };
    };
    const timingDetails = (name: Product["name"]) => ({
      requestsPerKind: timing[name].knownMillis.length,
      knownMedianMillis: median(timing[name].knownMillis),
      unknownMedianMillis: median(timing[name].unknownMillis),
      knownP95Millis: percentile(timing[name].knownMillis, 95),
      unknownP95Millis: percentile(timing[name].unknownMillis, 95),
      ksStatistic: ks[name].d,
      ksPValue: ks[name].p,
      failedRequests: timing[name].failures,
    });
    const result: SectionResult = {
      figures,
      details: {
        peer: "better-auth 1.7 (pg Pool, max 10; rate limiter and telemetry off)",
        connections: CONNECTIONS,
        roundSeconds: ROUND_SECONDS,
        warmupSeconds: WARMUP_SECONDS,
        rounds,
        knownUsersSeededPerProduct: knownPerProduct,
        passdeskRuns: p.map(strip),
        betterAuthRuns: b.map(strip),
        timing: { passdesk: timingDetails("passdesk"), betterAuth: timingDetails("better-auth") },
        consoleDrain: drain,
        mismatches,
      },
      notes: mismatches,
    };
    if (mismatches.length > 0) {
      throw new SectionFailure(`emails do not match the answers: ${mismatches.join("; ")}`, result);
    }
    return result;
  } catch (error) {
    for (const server of servers) {
      const output = server.output().trim();
      if (output) log(`  ${server.name}'s last output:\n${output.slice(-3_000)}`);
    }
    throw error;
  } finally {
    for (const server of servers) await server.stop();
    for (const database of databases) {
      await database
        .drop()
        .catch((error: Error) => log(`could not drop ${database.name}: ${error.message}`));
    }
  }
}
