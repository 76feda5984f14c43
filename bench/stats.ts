/** Summary statistics and the two-sample Kolmogorov–Smirnov test, without dependencies. */

export function sortedCopy(values: readonly number[]): number[] {
  return [...values].sort((a, b) => a - b);
}

/** Linear interpolation between closest ranks (numpy's default). */
export function percentile(values: readonly number[], p: number): number {
  const sorted = sortedCopy(values);
  if (sorted.length === 0) return Number.NaN;
  const rank = (p / 100) * (sorted.length - 1);
  const low = Math.floor(rank);
  const high = Math.ceil(rank);
  const lowValue = sorted[low] ?? Number.NaN;
  const highValue = sorted[high] ?? lowValue;
  return lowValue + (highValue - lowValue) * (rank - low);
}

export const median = (values: readonly number[]) => percentile(values, 50);

/**
 * Kolmogorov's limiting distribution, Q(λ) = 2 Σ (−1)^(k−1) e^(−2k²λ²): the probability that
 * √n·D exceeds λ when both samples come from one continuous distribution.
 */
export function kolmogorovSurvival(lambda: number): number {
  if (lambda < 0.2) return 1; // the series converges too slowly there, and Q is 1 to 1e-9
  let sum = 0;
  for (let k = 1; k <= 100; k++) {
    const term = 2 * (-1) ** (k - 1) * Math.exp(-2 * k * k * lambda * lambda);
    sum += term;
    if (Math.abs(term) < 1e-12) break;
  }
  return Math.min(1, Math.max(0, sum));
}

export interface KsResult {
  /** The largest distance between the two empirical CDFs. */
  d: number;
  /** Asymptotic p-value (Numerical Recipes' small-sample correction of λ). */
  p: number;
}

/** Two-sample KS test; ties are handled by stepping both ECDFs past each distinct value. */
export function ksTwoSample(first: readonly number[], second: readonly number[]): KsResult {
  const a = sortedCopy(first);
  const b = sortedCopy(second);
  const n = a.length;
  const m = b.length;
  let i = 0;
  let j = 0;
  let d = 0;
  while (i < n && j < m) {
    const value = Math.min(a[i] as number, b[j] as number);
    while (i < n && (a[i] as number) <= value) i++;
    while (j < m && (b[j] as number) <= value) j++;
    d = Math.max(d, Math.abs(i / n - j / m));
  }
  const root = Math.sqrt((n * m) / (n + m));
  return { d, p: kolmogorovSurvival((root + 0.12 + 0.11 / root) * d) };
}

/**
 * Known answers the KS code must reproduce before its p-values are trusted: the textbook
 * critical values of Kolmogorov's distribution and hand-computed D statistics.
 */
export function selfCheckKs(): { ok: boolean; checks: string[] } {
  const checks: Array<[string, boolean]> = [];
  const near = (actual: number, expected: number, tolerance: number) =>
    Math.abs(actual - expected) <= tolerance;
  checks.push(["Q(1.3581) = 0.050", near(kolmogorovSurvival(1.3581), 0.05, 0.0005)]);
  checks.push(["Q(1.6276) = 0.010", near(kolmogorovSurvival(1.6276), 0.01, 0.0002)]);
  checks.push(["Q(1.2238) = 0.100", near(kolmogorovSurvival(1.2238), 0.1, 0.0005)]);
  checks.push(["D({1,2,3,4}, {3,4,5,6}) = 0.5", ksTwoSample([1, 2, 3, 4], [3, 4, 5, 6]).d === 0.5]);
  checks.push(["D(x, x) = 0, p = 1", ksTwoSample([3, 1, 2], [2, 3, 1]).p === 1]);
  const disjoint = ksTwoSample([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], [11, 12, 13, 14, 15, 16]);
  checks.push(["disjoint samples: D = 1, p < 0.01", disjoint.d === 1 && disjoint.p < 0.01]);
  const sameShape = Array.from({ length: 1000 }, (_, k) => k);
  const interleaved = ksTwoSample(
    sameShape.filter((k) => k % 2 === 0),
    sameShape.filter((k) => k % 2 === 1),
  );
  checks.push(["interleaved halves of one range: p > 0.99", interleaved.p > 0.99]);
  return {
    ok: checks.every(([, passed]) => passed),
    checks: checks.map(([name, passed]) => `${passed ? "ok" : "FAILED"}: ${name}`),
  };
}
