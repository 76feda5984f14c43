import { type BenchDatabase, DEFAULT_CONNECTION, emailsFor, seedUsers } from "./database.ts";
import type { ChildServer } from "./processes.ts";
import { figure, type SectionResult } from "./report-types.ts";
import { ksTwoSample, median, percentile } from "./stats.ts";

/** No request may hang the bench. */
const REQUEST_TIMEOUT_MILLIS = 15_000;

export interface TimingOptions {
  passdesk: ChildServer;
  database: BenchDatabase;
  passwordHash: string;
  requestsPerKind: number;
  log(line: string): void;
}

export interface TimingSamples {
  knownMillis: number[];
  unknownMillis: number[];
}

const ADDRESSES_PER_KIND = 200;
const WARMUP_REQUESTS = 200;

function shuffle<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
  return items;
}

/**
 * Section 2: one request at a time, known and unknown addresses in random order, so that drift
 * and background work (the worker sending the known users' emails) fall on both kinds alike.
 * Both pools have 200 addresses of the same length, each asked for about equally often.
 */
export async function benchTiming(
  options: TimingOptions,
): Promise<SectionResult & { samples: TimingSamples }> {
  // Same length, same shape: only existence differs.
  const known = emailsFor("timing-known-", ADDRESSES_PER_KIND);
  const unknown = emailsFor("timing-nobdy-", ADDRESSES_PER_KIND);
  await seedUsers(options.database.sql, DEFAULT_CONNECTION, known, options.passwordHash);

  const plan = shuffle([
    ...Array.from({ length: options.requestsPerKind + WARMUP_REQUESTS / 2 }, (_, k) => ({
      kind: "known" as const,
      email: known[k % known.length] as string,
    })),
    ...Array.from({ length: options.requestsPerKind + WARMUP_REQUESTS / 2 }, (_, k) => ({
      kind: "unknown" as const,
      email: unknown[k % unknown.length] as string,
    })),
  ]);
  const samples: TimingSamples = { knownMillis: [], unknownMillis: [] };
  const counts = { known: 0, unknown: 0 };
  // Latency by the kind of the request before: the worker's work for a known address (resolve,
  // ticket, render, send) runs after its answer, so it can only slow whatever comes next.
  const afterKind: Record<"known" | "unknown", number[]> = { known: [], unknown: [] };
  let previous: "known" | "unknown" | undefined;
  let failures = 0;
  for (const [index, step] of plan.entries()) {
    const body = JSON.stringify({ email: step.email, connection: DEFAULT_CONNECTION });
    const started = performance.now();
    const response = await fetch(`${options.passdesk.url}/dbconnections/change_password`, {
      method: "POST",
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MILLIS),
      headers: {
        "content-type": "application/json",
        // A fresh client IP per request: the per-IP limit must not refuse the 4,000th request.
        "x-forwarded-for": `10.200.${(index >> 8) & 255}.${index & 255}`,
      },
      body,
    });
    await response.arrayBuffer();
    const millis = performance.now() - started;
    if (response.status !== 200) failures += 1;
    counts[step.kind] += 1;
    const before = previous;
    previous = step.kind;
    // The first requests of each kind warm the JIT and the pools; they are not counted.
    if (counts[step.kind] <= WARMUP_REQUESTS / 2) continue;
    (step.kind === "known" ? samples.knownMillis : samples.unknownMillis).push(millis);
    if (before) afterKind[before].push(millis);
  }

  const knownMedian = median(samples.knownMillis);
  const unknownMedian = median(samples.unknownMillis);
  const ks = ksTwoSample(samples.knownMillis, samples.unknownMillis);
  options.log(
    `  known median ${knownMedian.toFixed(3)} ms, unknown ${unknownMedian.toFixed(3)} ms; KS D ${ks.d.toFixed(4)}, p ${ks.p.toFixed(3)}; median after a known ${median(afterKind.known).toFixed(3)} ms, after an unknown ${median(afterKind.unknown).toFixed(3)} ms`,
  );
  const section = "2 timing";
  const floorLabel = "unknown emails";
  return {
    samples,
    figures: [
      figure({
        section,
        measure: "median, known email",
        unit: "ms",
        value: knownMedian,
        floor: unknownMedian,
        floorLabel,
        target: "within ±5%",
        met: Math.abs(knownMedian / unknownMedian - 1) <= 0.05,
      }),
      figure({
        section,
        measure: "p95, known email",
        unit: "ms",
        value: percentile(samples.knownMillis, 95),
        floor: percentile(samples.unknownMillis, 95),
        floorLabel,
      }),
      figure({
        section,
        measure: "KS two-sample p-value",
        unit: "p",
        value: ks.p,
        floor: 0.01,
        floorLabel: "significance level",
        ratio: Number.NaN,
        target: "p ≥ 0.01",
        met: ks.p >= 0.01,
      }),
    ],
    details: {
      requestsPerKind: samples.knownMillis.length,
      addressesPerKind: ADDRESSES_PER_KIND,
      warmupRequests: WARMUP_REQUESTS,
      knownMedianMillis: knownMedian,
      unknownMedianMillis: unknownMedian,
      knownP95Millis: percentile(samples.knownMillis, 95),
      unknownP95Millis: percentile(samples.unknownMillis, 95),
      knownP99Millis: percentile(samples.knownMillis, 99),
      unknownP99Millis: percentile(samples.unknownMillis, 99),
      medianAfterKnownMillis: median(afterKind.known),
      medianAfterUnknownMillis: median(afterKind.unknown),
      ksStatistic: ks.d,
      ksPValue: ks.p,
      failedRequests: failures,
    },
    notes: failures > 0 ? [`${failures} timing requests did not answer 200`] : [],
  };
}
