import { randomBytes } from "node:crypto";
import { signIn } from "./sign-in-requests.ts";
import { ksTwoSample, median, percentile } from "./stats.ts";

const WARMUP_PER_KIND = 100;

export interface SignInTimingOptions {
  url: string;
  clientId: string;
  /** Users that exist (a wrong password is sent for them), and addresses of nobody. */
  known: string[];
  unknown: string[];
  requestsPerKind: number;
}

/** A wrong password of one length and shape for every request, known or unknown. */
const wrongPassword = () => `Wrong-${randomBytes(12).toString("base64url")}`;

/**
 * What an attacker who enumerates accounts through sign-in measures: one request at a time, a
 * known email with a wrong password or an email nobody has, kinds in random order (so drift and
 * background work fall on both alike), each from a fresh IP. Besides each answer's own time it
 * keeps the time of the request that came next, by the kind before it: work a known user causes
 * after the answer could only slow the next request.
 */
export async function timeWrongSignIns(options: SignInTimingOptions) {
  const perKind = options.requestsPerKind + WARMUP_PER_KIND;
  const counts = { known: 0, unknown: 0 };
  const millis: Record<"known" | "unknown", number[]> = { known: [], unknown: [] };
  const afterKind: Record<"known" | "unknown", number[]> = { known: [], unknown: [] };
  const statuses: Record<string, number> = {};
  let previous: "known" | "unknown" | undefined;
  for (let step = 0; step < 2 * perKind; step++) {
    const remainingKnown = perKind - counts.known;
    const remainingUnknown = perKind - counts.unknown;
    const kind =
      Math.random() * (remainingKnown + remainingUnknown) < remainingKnown ? "known" : "unknown";
    const pool = options[kind];
    const username = pool[counts[kind] % pool.length] as string;
    counts[kind] += 1;
    const answer = await signIn(options.url, {
      clientId: options.clientId,
      username,
      password: wrongPassword(),
    });
    statuses[answer.status] = (statuses[answer.status] ?? 0) + 1;
    const before = previous;
    previous = kind;
    // The first requests of each kind warm the JIT and the pools; they are not counted.
    if (counts[kind] <= WARMUP_PER_KIND) continue;
    millis[kind].push(answer.millis);
    if (before) afterKind[before].push(answer.millis);
  }
  const ks = ksTwoSample(millis.known, millis.unknown);
  const ksAfter = ksTwoSample(afterKind.known, afterKind.unknown);
  return {
    requestsPerKind: millis.known.length,
    addressesPerKind: options.known.length,
    knownMedianMillis: median(millis.known),
    unknownMedianMillis: median(millis.unknown),
    knownP95Millis: percentile(millis.known, 95),
    unknownP95Millis: percentile(millis.unknown, 95),
    knownP99Millis: percentile(millis.known, 99),
    unknownP99Millis: percentile(millis.unknown, 99),
    ksStatistic: ks.d,
    ksPValue: ks.p,
    medianAfterKnownMillis: median(afterKind.known),
    medianAfterUnknownMillis: median(afterKind.unknown),
    ksPValueAfter: ksAfter.p,
    /** Every answer should be 403 invalid_grant. */
    statuses,
  };
}
