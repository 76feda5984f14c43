import { coresUsed, snapshotCpu } from "./cpu.ts";
import type { BenchDatabase } from "./database.ts";
import { type LoadResult, loadChangePassword } from "./load.ts";
import { type ChildServer, freePort, sampleMemoryDuring, startChildServer } from "./processes.ts";
import { figure, type SectionResult } from "./report-types.ts";

export interface ChangePasswordOptions {
  passdesk: ChildServer;
  mainDatabase: BenchDatabase;
  floorDatabase: BenchDatabase;
  durationSeconds: number;
  rounds: number;
  log(line: string): void;
}

const CONNECTIONS = 64;
const WARMUP_SECONDS = 3;

const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;

/** Waits until Passdesk's worker has resolved every recorded request; returns how long it took. */
async function waitForWorker(database: BenchDatabase, timeoutMillis = 120_000): Promise<number> {
  const started = performance.now();
  for (;;) {
    const [row] = await database.sql<{ pending: string }[]>`
      select count(*) as pending from reset_requests where status = 'pending'`;
    if (Number(row?.pending) === 0) return performance.now() - started;
    if (performance.now() - started > timeoutMillis) throw new Error("worker backlog not cleared");
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * Requests stored per transaction in one run: how far group commit batched them. Each request
 * of the load creates its own per-(IP, email) token bucket, and rows written by one transaction
 * share an xmin (reset_requests rows would not do: the worker rewrites them).
 */
async function requestsPerCommit(database: BenchDatabase, prefix: string): Promise<number> {
  const [row] = await database.sql<{ requests: string; commits: string }[]>`
    select count(*) as requests, count(distinct xmin::text) as commits
    from rate_limits where key like ${`reset:ip-email:%:${prefix}-%`}`;
  return Number(row?.requests) / Math.max(1, Number(row?.commits));
}

/**
 * Section 1: change_password under autocannon (64 connections), Passdesk and the floor in turn
 * (F, P, F, P …) so drift on a shared machine hits both alike. Also RSS under this load.
 */
export async function benchChangePassword(options: ChangePasswordOptions): Promise<SectionResult> {
  const { passdesk, log } = options;
  const floor = await startChildServer({
    name: "floor",
    script: "bench/floor.ts",
    env: { DATABASE_URL: options.floorDatabase.url },
    port: await freePort(),
    readyPath: "/readyz",
  });
  const floorRuns: LoadResult[] = [];
  const passdeskRuns: LoadResult[] = [];
  const backlogMillis: number[] = [];
  const perCommit: number[] = [];
  let passdeskMaxRss = 0;
  let floorMaxRss = 0;
  const cpu: Record<string, Record<string, number>[]> = { floor: [], passdesk: [] };
  /** One autocannon run; also records the cores each process used meanwhile. */
  const run = async (server: ChildServer, durationSeconds: number, prefix: string) => {
    const before = snapshotCpu({ bench: process.pid, server: server.pid });
    const result = await loadChangePassword(server.url, {
      connections: CONNECTIONS,
      durationSeconds,
      prefix,
    });
    const cores = coresUsed(before, snapshotCpu({ bench: process.pid, server: server.pid }));
    cpu[server.name]?.push(cores);
    return { ...result, cores };
  };
  try {
    log(`  warm-up: ${WARMUP_SECONDS} s each`);
    await run(floor, WARMUP_SECONDS, "warm-floor");
    await run(passdesk, WARMUP_SECONDS, "warm-passdesk");
    backlogMillis.push(await waitForWorker(options.mainDatabase));
    for (let round = 1; round <= options.rounds; round++) {
      const floorRun = await sampleMemoryDuring(floor, () =>
        run(floor, options.durationSeconds, `floor-${round}`),
      );
      floorRuns.push(floorRun.result);
      floorMaxRss = Math.max(floorMaxRss, floorRun.maxRssBytes);
      log(`  round ${round} floor:    ${describe(floorRun.result)}`);
      const passdeskRun = await sampleMemoryDuring(passdesk, () =>
        run(passdesk, options.durationSeconds, `passdesk-${round}`),
      );
      passdeskRuns.push(passdeskRun.result);
      passdeskMaxRss = Math.max(passdeskMaxRss, passdeskRun.maxRssBytes);
      const backlog = await waitForWorker(options.mainDatabase);
      backlogMillis.push(backlog);
      perCommit.push(await requestsPerCommit(options.mainDatabase, `passdesk-${round}`));
      log(
        `  round ${round} passdesk: ${describe(passdeskRun.result)}; ${perCommit.at(-1)?.toFixed(1)} requests per commit; worker caught up ${Math.round(backlog)} ms after`,
      );
    }
  } finally {
    await floor.stop();
  }

  const floorRps = mean(floorRuns.map((r) => r.requestsPerSecond));
  const passdeskRps = mean(passdeskRuns.map((r) => r.requestsPerSecond));
  const floorP99 = mean(floorRuns.map((r) => r.latencyP99Millis));
  const passdeskP99 = mean(passdeskRuns.map((r) => r.latencyP99Millis));
  const failures = [...floorRuns, ...passdeskRuns].reduce((sum, r) => sum + r.non2xx + r.errors, 0);
  const section = "1 change_password";
  return {
    figures: [
      figure({
        section,
        measure: "throughput",
        unit: "req/s",
        value: passdeskRps,
        floor: floorRps,
        floorLabel: "Hono + 1 INSERT",
        target: "≥ 1.0×",
        met: passdeskRps >= 1.0 * floorRps,
      }),
      figure({
        section,
        measure: "latency p99 (64 conn.)",
        unit: "ms",
        value: passdeskP99,
        floor: floorP99,
        floorLabel: "Hono + 1 INSERT",
        target: "≤ 1.2×",
        met: passdeskP99 <= 1.2 * floorP99,
      }),
      figure({
        section,
        measure: "latency p50 (64 conn.)",
        unit: "ms",
        value: mean(passdeskRuns.map((r) => r.latencyP50Millis)),
        floor: mean(floorRuns.map((r) => r.latencyP50Millis)),
        floorLabel: "Hono + 1 INSERT",
      }),
    ],
    details: {
      connections: CONNECTIONS,
      durationSeconds: options.durationSeconds,
      rounds: options.rounds,
      floorRuns,
      passdeskRuns,
      workerCatchUpMillis: backlogMillis,
      requestsPerCommit: perCommit,
      coresUsed: cpu,
      failedRequests: failures,
      passdeskMaxRssBytes: passdeskMaxRss,
      floorMaxRssBytes: floorMaxRss,
    },
    notes: failures > 0 ? [`${failures} requests failed or were not 2xx during section 1`] : [],
  };
}

function describe(result: LoadResult & { cores: Record<string, number> }): string {
  const cores = Object.entries(result.cores)
    .map(([name, used]) => `${name} ${used}`)
    .join(", ");
  return `${result.requestsPerSecond.toFixed(0)} req/s, p50 ${result.latencyP50Millis} ms, p99 ${result.latencyP99Millis} ms, ${result.non2xx + result.errors} failed; cores used: ${cores}`;
}
