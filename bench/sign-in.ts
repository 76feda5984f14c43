import { openDatabase } from "../src/db/client.ts";
import { PASSDESK_ARGON2_IN_FLIGHT, type RawArgon2Rate, rawArgon2Rate } from "./argon2-floor.ts";
import { coresUsed, snapshotCpu } from "./cpu.ts";
import {
  type BenchDatabase,
  createBenchDatabase,
  DEFAULT_CONNECTION,
  emailsFor,
  seedUsers,
} from "./database.ts";
import { seedPgliteDirectory } from "./probe-section.ts";
import type { ChildServer } from "./processes.ts";
import { type Figure, figure, type SectionResult } from "./report-types.ts";
import { addPublicClient, signIn, startSignInPassdesk } from "./sign-in-requests.ts";
import { timeWrongSignIns } from "./sign-in-timing.ts";
import { percentile } from "./stats.ts";

export interface SignInOptions {
  /** Where the section may create a database for a Passdesk of its own. */
  adminUrl: string;
  sendGridUrl: string;
  /** Every seeded user's hash (Passdesk's own parameters), and the password it is of. */
  passwordHash: string;
  password: string;
  sliceSeconds: number;
  rounds: number;
  requestsPerKind: number;
  nodeArgs?: string[];
  log(line: string): void;
}

const CONNECTIONS = 32;
const WARMUP_SECONDS = 3;
const THROUGHPUT_USERS = 1_000;
const TIMING_ADDRESSES = 200;

const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);

/** Right-password sign-ins, `CONNECTIONS` at a time, users in turn, each from a fresh IP. */
async function signInLoad(
  server: ChildServer,
  clientId: string,
  users: string[],
  password: string,
  seconds: number,
) {
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  let next = 0;
  const before = snapshotCpu({ bench: process.pid, passdesk: server.pid });
  const started = performance.now();
  const deadline = started + seconds * 1000;
  const lane = async () => {
    while (performance.now() < deadline) {
      const username = users[next++ % users.length] as string;
      const answer = await signIn(server.url, { clientId, username, password });
      statuses[answer.status] = (statuses[answer.status] ?? 0) + 1;
      if (answer.status === 200) latencies.push(answer.millis);
    }
  };
  await Promise.all(Array.from({ length: CONNECTIONS }, lane));
  const elapsed = (performance.now() - started) / 1000;
  const cores = coresUsed(before, snapshotCpu({ bench: process.pid, passdesk: server.pid }));
  return { signIns: latencies.length, seconds: elapsed, latencies, statuses, cores };
}

type Timing = Awaited<ReturnType<typeof timeWrongSignIns>>;

function timingFigures(backend: string, timing: Timing): Figure[] {
  const section = `7 sign-in timing (${backend})`;
  const floorLabel = "unknown emails";
  return [
    figure({
      section,
      measure: "median, known email, wrong password",
      unit: "ms",
      value: timing.knownMedianMillis,
      floor: timing.unknownMedianMillis,
      floorLabel,
      target: "within ±5%",
      met: Math.abs(timing.knownMedianMillis / timing.unknownMedianMillis - 1) <= 0.05,
    }),
    figure({
      section,
      measure: "p95, known email, wrong password",
      unit: "ms",
      value: timing.knownP95Millis,
      floor: timing.unknownP95Millis,
      floorLabel,
    }),
    figure({
      section,
      measure: "KS two-sample p-value",
      unit: "p",
      value: timing.ksPValue,
      floor: 0.01,
      floorLabel: "significance level",
      ratio: Number.NaN,
      target: "p ≥ 0.01",
      met: timing.ksPValue >= 0.01,
    }),
  ];
}

/** Throughput in slices, raw Argon2 and sign-ins in turn, then timing, on PostgreSQL. */
async function onPostgres(options: SignInOptions) {
  // A database of its own: the signing key there is sealed with this Passdesk's own key.
  const database = await createBenchDatabase(options.adminUrl, "sign_in");
  try {
    return await measureOnPostgres(options, database);
  } finally {
    await database.drop();
  }
}

async function measureOnPostgres(options: SignInOptions, database: BenchDatabase) {
  const { log } = options;
  const users = emailsFor("signin-", THROUGHPUT_USERS);
  const known = emailsFor("signin-known-", TIMING_ADDRESSES);
  const unknown = emailsFor("signin-nobdy-", TIMING_ADDRESSES);
  await seedUsers(database.sql, DEFAULT_CONNECTION, [...users, ...known], options.passwordHash);
  const handle = await openDatabase({ databaseUrl: database.url, pgliteDataDir: "memory://" });
  const clientId = await addPublicClient(handle).finally(() => handle.close());
  const server = await startSignInPassdesk({
    env: { DATABASE_URL: database.url },
    sendGridUrl: options.sendGridUrl,
    argon2MaxQueued: CONNECTIONS,
    ...(options.nodeArgs && { nodeArgs: options.nodeArgs }),
  });
  try {
    await signInLoad(server, clientId, users, options.password, WARMUP_SECONDS);
    const raw: RawArgon2Rate[] = [];
    const loads: Array<Awaited<ReturnType<typeof signInLoad>>> = [];
    for (let round = 0; round < options.rounds; round++) {
      raw.push(await rawArgon2Rate(options.sliceSeconds, PASSDESK_ARGON2_IN_FLIGHT, "verify"));
      loads.push(await signInLoad(server, clientId, users, options.password, options.sliceSeconds));
      const [rawSlice, load] = [raw.at(-1), loads.at(-1)];
      log(
        `  round ${round + 1}: raw verify ${rawSlice?.hashesPerSecond.toFixed(1)}/s; sign-ins ${((load?.signIns ?? 0) / (load?.seconds ?? 1)).toFixed(1)}/s, answers ${JSON.stringify(load?.statuses)}, cores ${JSON.stringify(load?.cores)}`,
      );
    }
    log(`  timing on PostgreSQL: ${options.requestsPerKind} wrong sign-ins per kind`);
    const timing = await timeWrongSignIns({
      url: server.url,
      clientId,
      known,
      unknown,
      requestsPerKind: options.requestsPerKind,
    });
    const [changed] = await database.sql<{ count: string }[]>`
      select count(*) from users where email like 'signin-%' and password_hash <> ${options.passwordHash}`;
    return { raw, loads, timing, rehashedUsers: Number(changed?.count) };
  } finally {
    await server.stop();
  }
}

async function onPglite(options: SignInOptions) {
  const known = emailsFor("signin-known-", TIMING_ADDRESSES);
  const unknown = emailsFor("signin-nobdy-", TIMING_ADDRESSES);
  let clientId = "";
  const directory = await seedPgliteDirectory(known, options.passwordHash, async (handle) => {
    clientId = await addPublicClient(handle);
  });
  try {
    const server = await startSignInPassdesk({
      env: { PGLITE_DATA_DIR: directory.dataDir },
      sendGridUrl: options.sendGridUrl,
      argon2MaxQueued: CONNECTIONS,
    });
    try {
      options.log(`  timing on PGlite: ${options.requestsPerKind} wrong sign-ins per kind`);
      return await timeWrongSignIns({
        url: server.url,
        clientId,
        known,
        unknown,
        requestsPerKind: options.requestsPerKind,
      });
    } finally {
      await server.stop();
    }
  } finally {
    await directory.remove();
  }
}

/**
 * Section 7: `POST /oauth/token` (password-realm). Right-password sign-ins at 32 concurrent
 * against raw Argon2 verification at the concurrency Passdesk allows itself (a sign-in is one
 * verification), and the time of a wrong password for a known email against an unknown email,
 * on PostgreSQL and PGlite.
 */
export async function benchSignIn(options: SignInOptions): Promise<SectionResult> {
  const { log } = options;
  const postgres = await onPostgres(options);
  const pglite = await onPglite(options);
  const rawRate =
    sum(postgres.raw.map((slice) => slice.hashes)) /
    sum(postgres.raw.map((slice) => slice.seconds));
  const signIns = sum(postgres.loads.map((load) => load.signIns));
  const rate = signIns / sum(postgres.loads.map((load) => load.seconds));
  const latencies = postgres.loads.flatMap((load) => load.latencies);
  const statuses: Record<string, number> = {};
  for (const load of postgres.loads) {
    for (const [status, count] of Object.entries(load.statuses)) {
      statuses[status] = (statuses[status] ?? 0) + count;
    }
  }
  // Little's law: 32 requests kept waiting on Argon2 at the raw rate wait this long each.
  const queueMillis = (CONNECTIONS / rawRate) * 1000;
  for (const [backend, timing] of [
    ["PostgreSQL", postgres.timing],
    ["PGlite", pglite],
  ] as const) {
    log(
      `  ${backend}: known-wrong median ${timing.knownMedianMillis.toFixed(2)} ms, unknown ${timing.unknownMedianMillis.toFixed(2)} ms; KS D ${timing.ksStatistic.toFixed(4)}, p ${timing.ksPValue.toFixed(3)}; after a known ${timing.medianAfterKnownMillis.toFixed(2)} ms, after an unknown ${timing.medianAfterUnknownMillis.toFixed(2)} ms (p ${timing.ksPValueAfter.toFixed(3)}); answers ${JSON.stringify(timing.statuses)}`,
    );
  }
  const section = "7 sign-in";
  const rawLabel = `raw argon2id verifications/s, ${PASSDESK_ARGON2_IN_FLIGHT} at a time`;
  const latencyFloorLabel = `${CONNECTIONS} ÷ raw verifications/s`;
  const failed = sum(Object.entries(statuses).map(([s, n]) => (s === "200" ? 0 : n)));
  const wrongAnswers = (timing: Timing) =>
    sum(Object.entries(timing.statuses).map(([s, n]) => (s === "403" ? 0 : n)));
  return {
    figures: [
      figure({
        section,
        measure: `sign-ins/s, right password, ${CONNECTIONS} conn.`,
        unit: "/s",
        value: rate,
        floor: rawRate,
        floorLabel: rawLabel,
        target: "≥ 0.8×",
        met: rate >= 0.8 * rawRate,
      }),
      figure({
        section,
        measure: `latency p50 (${CONNECTIONS} conn.)`,
        unit: "ms",
        value: percentile(latencies, 50),
        floor: queueMillis,
        floorLabel: latencyFloorLabel,
      }),
      figure({
        section,
        measure: `latency p99 (${CONNECTIONS} conn.)`,
        unit: "ms",
        value: percentile(latencies, 99),
        floor: queueMillis,
        floorLabel: latencyFloorLabel,
      }),
      ...timingFigures("PostgreSQL", postgres.timing),
      ...timingFigures("PGlite", pglite),
    ],
    details: {
      connections: CONNECTIONS,
      passdeskArgon2InFlight: PASSDESK_ARGON2_IN_FLIGHT,
      argon2MaxQueued: CONNECTIONS,
      rawArgon2Verify: postgres.raw,
      rawVerificationsPerSecond: rawRate,
      signInsPerSecond: rate,
      signIns,
      answers: statuses,
      latencyP50Millis: percentile(latencies, 50),
      latencyP99Millis: percentile(latencies, 99),
      cores: postgres.loads.map((load) => load.cores),
      rehashedUsers: postgres.rehashedUsers,
      timing: { postgres: postgres.timing, pglite },
    },
    notes: [
      ...(failed > 0 ? [`sign-in load: ${failed} answers other than 200`] : []),
      ...(postgres.rehashedUsers > 0
        ? [`sign-in load: ${postgres.rehashedUsers} users rehashed (hash parameters differ)`]
        : []),
      ...(wrongAnswers(postgres.timing) + wrongAnswers(pglite) > 0
        ? ["sign-in timing: some wrong-password answers were not 403"]
        : []),
    ],
  };
}
