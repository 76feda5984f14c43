import { DEFAULT_CONNECTION } from "./database.ts";
import { ksTwoSample, median, percentile } from "./stats.ts";

const REQUEST_TIMEOUT_MILLIS = 15_000;
const WARMUP_PAIRS = 100;

export interface ProbeOptions {
  url: string;
  /** Addresses of users that exist, and of nobody; same length and shape. */
  known: string[];
  unknown: string[];
  pairsPerKind: number;
}

export interface ProbeSamples {
  /** Latency of the probe sent right after a request for a known address. */
  afterKnownMillis: number[];
  afterUnknownMillis: number[];
  failures: number;
}

let nextIp = 0;

async function post(url: string, email: string): Promise<{ status: number; millis: number }> {
  nextIp += 1;
  const started = performance.now();
  const response = await fetch(`${url}/dbconnections/change_password`, {
    method: "POST",
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MILLIS),
    headers: {
      "content-type": "application/json",
      // A fresh client IP each time, so no rate limit answers instead of the endpoint.
      "x-forwarded-for": `10.${(nextIp >> 16) & 255}.${(nextIp >> 8) & 255}.${nextIp & 255}`,
    },
    body: JSON.stringify({ email, connection: DEFAULT_CONNECTION }),
  });
  await response.arrayBuffer();
  return { status: response.status, millis: performance.now() - started };
}

/**
 * The attack the review ran: ask for a reset for the address under test, and the moment its
 * answer arrives, send a probe (a request for an address nobody has) and time the probe. Work
 * that a known address causes after its answer (the worker's ticket, render and send) shows as a
 * slower probe. Kinds alternate at random; each pair's probe is a new unknown address.
 */
export async function probeAfterRequests(options: ProbeOptions): Promise<ProbeSamples> {
  const samples: ProbeSamples = { afterKnownMillis: [], afterUnknownMillis: [], failures: 0 };
  const total = 2 * (options.pairsPerKind + WARMUP_PAIRS);
  const counts = { known: 0, unknown: 0 };
  for (let pair = 0; pair < total; pair++) {
    const remainingKnown = options.pairsPerKind + WARMUP_PAIRS - counts.known;
    const remainingUnknown = options.pairsPerKind + WARMUP_PAIRS - counts.unknown;
    const kind =
      Math.random() * (remainingKnown + remainingUnknown) < remainingKnown ? "known" : "unknown";
    const pool = options[kind];
    const address = pool[counts[kind] % pool.length] as string;
    counts[kind] += 1;
    const request = await post(options.url, address);
    const probe = await post(options.url, `probe-${pair}-${nextIp}@bench.example`);
    if (request.status !== 200 || probe.status !== 200) samples.failures += 1;
    if (counts[kind] <= WARMUP_PAIRS) continue;
    (kind === "known" ? samples.afterKnownMillis : samples.afterUnknownMillis).push(probe.millis);
  }
  return samples;
}

export function summarizeProbe(samples: ProbeSamples) {
  const ks = ksTwoSample(samples.afterKnownMillis, samples.afterUnknownMillis);
  return {
    pairsPerKind: samples.afterKnownMillis.length,
    afterKnownMedianMillis: median(samples.afterKnownMillis),
    afterUnknownMedianMillis: median(samples.afterUnknownMillis),
    afterKnownP95Millis: percentile(samples.afterKnownMillis, 95),
    afterUnknownP95Millis: percentile(samples.afterUnknownMillis, 95),
    ksStatistic: ks.d,
    ksPValue: ks.p,
    failures: samples.failures,
  };
}
