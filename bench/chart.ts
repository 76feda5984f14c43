import { percentile, sortedCopy } from "./stats.ts";

export interface ChartInput {
  knownMillis: number[];
  unknownMillis: number[];
  ksStatistic: number;
  ksPValue: number;
  subtitle: string;
}

const WIDTH = 760;
const PANEL_HEIGHT = 230;
const LEFT = 70;
const RIGHT = 20;
const BINS = 50;
const COLORS = { known: "#1f77b4", unknown: "#d95f02" };

const escapeXml = (text: string) =>
  text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** 1, 2 and 5 times each power of ten inside the range: ticks for a logarithmic axis. */
function logTicks(low: number, high: number): number[] {
  const values: number[] = [];
  for (let power = Math.floor(Math.log10(low)); 10 ** power <= high; power++) {
    for (const mantissa of [1, 2, 3, 5]) {
      const value = Number((mantissa * 10 ** power).toPrecision(6));
      if (value >= low && value <= high) values.push(value);
    }
  }
  return values;
}

/** 1, 2 or 5 times a power of ten, giving about `count` ticks over the range. */
function ticks(low: number, high: number, count: number): number[] {
  const raw = (high - low) / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? raw;
  const values: number[] = [];
  for (let value = Math.ceil(low / step) * step; value <= high + 1e-9; value += step) {
    values.push(Number(value.toPrecision(10)));
  }
  return values;
}

/** Bins of equal width on the logarithmic axis. */
function histogram(values: number[], low: number, high: number): number[] {
  const counts = new Array<number>(BINS).fill(0);
  const width = (Math.log(high) - Math.log(low)) / BINS;
  for (const value of values) {
    if (value < low || value > high) continue;
    const bin = Math.min(BINS - 1, Math.floor((Math.log(value) - Math.log(low)) / width));
    counts[bin] = (counts[bin] ?? 0) + 1;
  }
  return counts.map((count) => count / values.length);
}

/**
 * Hand-written SVG: the latency histograms of known and unknown emails overlaid (top) and their
 * empirical CDFs, whose largest gap is the KS statistic (bottom). Tails beyond the combined
 * 0.5th–99.5th percentiles are left out of the x range and said so.
 */
export function renderTimingChart(input: ChartInput): string {
  const all = [...input.knownMillis, ...input.unknownMillis];
  const low = percentile(all, 0.5);
  const high = percentile(all, 99.5);
  const plotWidth = WIDTH - LEFT - RIGHT;
  // Latencies are skewed: a logarithmic axis shows the body and the tail at once.
  const x = (value: number) =>
    LEFT + ((Math.log(value) - Math.log(low)) / (Math.log(high) - Math.log(low))) * plotWidth;
  const series = [
    { name: "known email", values: input.knownMillis, color: COLORS.known },
    { name: "unknown email", values: input.unknownMillis, color: COLORS.unknown },
  ];
  const parts: string[] = [];
  const text = (px: number, py: number, content: string, attributes = "") =>
    parts.push(
      `<text x="${px.toFixed(1)}" y="${py.toFixed(1)}" ${attributes}>${escapeXml(content)}</text>`,
    );

  text(
    LEFT,
    24,
    "change_password latency: known vs unknown email",
    'font-size="16" font-weight="bold"',
  );
  text(LEFT, 44, input.subtitle, 'font-size="12" fill="#444"');

  // Panel 1: histograms, as the share of each kind's requests per bin.
  const top1 = 70;
  const hists = series.map((s) => histogram(s.values, low, high));
  const maxShare = Math.max(...hists.flat());
  const y1 = (share: number) => top1 + PANEL_HEIGHT - (share / maxShare) * PANEL_HEIGHT;
  const binWidth = plotWidth / BINS;
  series.forEach((s, index) => {
    const points = (hists[index] ?? []).flatMap((share, bin) => [
      `${(LEFT + bin * binWidth).toFixed(1)},${y1(share).toFixed(1)}`,
      `${(LEFT + (bin + 1) * binWidth).toFixed(1)},${y1(share).toFixed(1)}`,
    ]);
    parts.push(
      `<polygon points="${LEFT},${top1 + PANEL_HEIGHT} ${points.join(" ")} ${LEFT + plotWidth},${top1 + PANEL_HEIGHT}" fill="${s.color}" fill-opacity="0.25" stroke="${s.color}" stroke-width="1.5"/>`,
    );
  });
  for (const tick of ticks(0, maxShare, 4)) {
    parts.push(
      `<line x1="${LEFT - 4}" x2="${LEFT}" y1="${y1(tick)}" y2="${y1(tick)}" stroke="#000"/>`,
    );
    const label = `${(tick * 100).toFixed(maxShare >= 0.04 ? 0 : 1)}%`;
    text(LEFT - 8, y1(tick) + 4, label, 'font-size="11" text-anchor="end"');
  }
  text(
    16,
    top1 + PANEL_HEIGHT / 2,
    "share of requests per bin",
    `font-size="12" text-anchor="middle" transform="rotate(-90 16 ${top1 + PANEL_HEIGHT / 2})"`,
  );
  axes(top1);

  // Panel 2: empirical CDFs.
  const top2 = top1 + PANEL_HEIGHT + 60;
  const y2 = (fraction: number) => top2 + PANEL_HEIGHT - fraction * PANEL_HEIGHT;
  for (const s of series) {
    const sorted = sortedCopy(s.values);
    const step = Math.max(1, Math.floor(sorted.length / 400));
    const points: string[] = [];
    for (let i = 0; i < sorted.length; i += step) {
      const value = Math.min(high, Math.max(low, sorted[i] as number));
      points.push(`${x(value).toFixed(1)},${y2((i + 1) / sorted.length).toFixed(1)}`);
    }
    parts.push(
      `<polyline points="${points.join(" ")}" fill="none" stroke="${s.color}" stroke-width="1.8"/>`,
    );
  }
  for (const tick of [0, 0.25, 0.5, 0.75, 1]) {
    parts.push(
      `<line x1="${LEFT - 4}" x2="${LEFT}" y1="${y2(tick)}" y2="${y2(tick)}" stroke="#000"/>`,
    );
    parts.push(
      `<line x1="${LEFT}" x2="${LEFT + plotWidth}" y1="${y2(tick)}" y2="${y2(tick)}" stroke="#ddd"/>`,
    );
    text(LEFT - 8, y2(tick) + 4, tick.toFixed(2), 'font-size="11" text-anchor="end"');
  }
  text(
    16,
    top2 + PANEL_HEIGHT / 2,
    "cumulative share (ECDF)",
    `font-size="12" text-anchor="middle" transform="rotate(-90 16 ${top2 + PANEL_HEIGHT / 2})"`,
  );
  axes(top2);
  text(
    LEFT + plotWidth,
    top2 + PANEL_HEIGHT - 10,
    `KS D = ${input.ksStatistic.toFixed(4)}, p = ${input.ksPValue.toFixed(3)}`,
    'font-size="12" text-anchor="end"',
  );

  // Legend.
  series.forEach((s, index) => {
    const ly = top1 + 8 + index * 18;
    parts.push(
      `<rect x="${LEFT + plotWidth - 170}" y="${ly}" width="14" height="10" fill="${s.color}" fill-opacity="0.5" stroke="${s.color}"/>`,
    );
    text(LEFT + plotWidth - 150, ly + 9, `${s.name} (n = ${s.values.length})`, 'font-size="12"');
  });

  function axes(top: number) {
    parts.push(
      `<line x1="${LEFT}" x2="${LEFT}" y1="${top}" y2="${top + PANEL_HEIGHT}" stroke="#000"/>`,
    );
    parts.push(
      `<line x1="${LEFT}" x2="${LEFT + plotWidth}" y1="${top + PANEL_HEIGHT}" y2="${top + PANEL_HEIGHT}" stroke="#000"/>`,
    );
    for (const tick of logTicks(low, high)) {
      parts.push(
        `<line x1="${x(tick)}" x2="${x(tick)}" y1="${top + PANEL_HEIGHT}" y2="${top + PANEL_HEIGHT + 4}" stroke="#000"/>`,
      );
      text(x(tick), top + PANEL_HEIGHT + 17, String(tick), 'font-size="11" text-anchor="middle"');
    }
    text(
      LEFT + plotWidth / 2,
      top + PANEL_HEIGHT + 34,
      "latency (ms, logarithmic), client-side, one request at a time",
      'font-size="12" text-anchor="middle"',
    );
  }

  const height = top2 + PANEL_HEIGHT + 62;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="Helvetica, Arial, sans-serif" role="img" aria-labelledby="chart-title">`,
    `<title id="chart-title">change_password latency: known vs unknown email</title>`,
    `<rect width="${WIDTH}" height="${height}" fill="#fff"/>`,
    ...parts,
    `<text x="${LEFT}" y="${height - 6}" font-size="10" fill="#666">${escapeXml(`x range: combined 0.5th–99.5th percentile (${low.toFixed(2)}–${high.toFixed(2)} ms); ${BINS} log-spaced bins. Generated by npm run bench.`)}</text>`,
    "</svg>",
    "",
  ].join("\n");
}
