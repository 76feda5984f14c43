import { randomBytes } from "node:crypto";
import { CSRF_COOKIE } from "../src/http/reset-page/security.ts";
import { PASSDESK_ARGON2_IN_FLIGHT, rawArgon2Rate } from "./argon2-floor.ts";
import {
  addConnection,
  type BenchDatabase,
  DEFAULT_CONNECTION,
  emailsFor,
  issueTickets,
  seedUsers,
} from "./database.ts";
import { type ChildServer, sampleMemoryDuring } from "./processes.ts";
import { figure, type SectionResult } from "./report-types.ts";
import { percentile } from "./stats.ts";

/** No request may hang the bench. */
const REQUEST_TIMEOUT_MILLIS = 15_000;

export interface ResetSubmitOptions {
  passdesk: ChildServer;
  database: BenchDatabase;
  passwordHash: string;
  durationSeconds: number;
  log(line: string): void;
}

/** More than the 4 libuv threads argon2 runs on, so they never wait for work. */
const CONCURRENCY = 8;
const TICKETS_PER_VARIANT = 1_500;
const NO_HISTORY_CONNECTION = "bench-no-history";
const ROUNDS = 2;

const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);

interface SubmitRun {
  submits: number;
  seconds: number;
  submitsPerSecond: number;
  failures: number;
  p50Millis: number;
  p99Millis: number;
  maxRssBytes: number;
  ranOutOfTickets: boolean;
}

/** Submits the reset form with one fresh ticket per request, `CONCURRENCY` at a time. */
export async function submitForms(
  passdesk: ChildServer,
  tokens: string[],
  durationSeconds: number,
  concurrency = CONCURRENCY,
): Promise<Omit<SubmitRun, "maxRssBytes">> {
  // Double-submit CSRF: any well-formed value works when cookie and field agree.
  const csrf = randomBytes(32).toString("base64url");
  const latencies: number[] = [];
  let failures = 0;
  let next = 0;
  const started = performance.now();
  const deadline = started + durationSeconds * 1000;
  const lane = async () => {
    while (performance.now() < deadline && next < tokens.length) {
      const ticket = tokens[next++] as string;
      const password = `Qz${randomBytes(12).toString("base64url")}!7`;
      const sent = performance.now();
      const response = await fetch(`${passdesk.url}/lo/reset`, {
        method: "POST",
        redirect: "manual",
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MILLIS),
        headers: {
          "content-type": "application/x-www-form-urlencoded",
          cookie: `${CSRF_COOKIE}=${csrf}`,
          // Each user from an address of their own, as real ones are: the reset page limits
          // submissions per client IP (the bench's Passdesk trusts one proxy).
          "x-forwarded-for": `10.77.${(next >> 8) & 255}.${next & 255}`,
        },
        body: new URLSearchParams({ ticket, csrf, password, confirmation: password }).toString(),
      });
      const html = await response.text();
      latencies.push(performance.now() - sent);
      if (response.status !== 200 || !html.includes("Your password has been changed"))
        failures += 1;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  const seconds = (performance.now() - started) / 1000;
  return {
    submits: latencies.length,
    seconds,
    submitsPerSecond: (latencies.length - failures) / seconds,
    failures,
    p50Millis: percentile(latencies, 50),
    p99Millis: percentile(latencies, 99),
    ranOutOfTickets: next >= tokens.length,
  };
}

/**
 * Section 4: reset-page submits against the raw argon2id hash rate, both one process with
 * Passdesk's parameters (OWASP m=19456 KiB, t=2, p=1). A submit hashes once, and first verifies
 * the new password against the user's history: one argon2 verification per stored hash, each
 * as costly as a hash. Measured for the default policy (history 5; a user who set one password
 * so far has 1 stored hash) and for a connection with history off (0).
 */
export async function benchResetSubmit(options: ResetSubmitOptions): Promise<SectionResult> {
  const { database, passdesk, log } = options;
  await addConnection(database.sql, NO_HISTORY_CONNECTION, 0);
  const variants = [
    {
      label: "history 5 (default), 1 stored hash",
      connection: DEFAULT_CONNECTION,
      argon2PerSubmit: 2,
    },
    { label: "history off (0)", connection: NO_HISTORY_CONNECTION, argon2PerSubmit: 1 },
  ];
  const tickets = new Map<string, string[]>();
  for (const [index, variant] of variants.entries()) {
    const ids = await seedUsers(
      database.sql,
      variant.connection,
      emailsFor(`submit${index}-`, TICKETS_PER_VARIANT),
      options.passwordHash,
    );
    tickets.set(variant.connection, await issueTickets(database.sql, ids));
  }

  // Short slices in turn (raw, history 5, history off; twice), so drift hits all three alike.
  const sliceSeconds = options.durationSeconds / ROUNDS;
  const rawSlices: Array<{ hashes: number; seconds: number; rssBytes: number }> = [];
  const slices = new Map<string, SubmitRun[]>(variants.map((v) => [v.connection, []]));
  // The whole machine's rate, for context: the bound keeps Passdesk below it on purpose.
  const machine = await rawArgon2Rate(sliceSeconds / 2, CONCURRENCY);
  for (let round = 0; round < ROUNDS; round++) {
    rawSlices.push(await rawArgon2Rate(sliceSeconds, PASSDESK_ARGON2_IN_FLIGHT));
    for (const variant of variants) {
      const tokens = tickets.get(variant.connection) ?? [];
      const { result, maxRssBytes } = await sampleMemoryDuring(passdesk, () =>
        submitForms(passdesk, tokens, sliceSeconds),
      );
      tokens.splice(0, result.submits);
      slices.get(variant.connection)?.push({ ...result, maxRssBytes });
    }
  }
  const raw = {
    hashes: sum(rawSlices.map((slice) => slice.hashes)),
    seconds: sum(rawSlices.map((slice) => slice.seconds)),
    hashesPerSecond:
      sum(rawSlices.map((slice) => slice.hashes)) / sum(rawSlices.map((slice) => slice.seconds)),
    rssBytes: Math.max(...rawSlices.map((slice) => slice.rssBytes)),
  };
  log(
    `  raw argon2id: ${raw.hashesPerSecond.toFixed(1)} hashes/s (${PASSDESK_ARGON2_IN_FLIGHT} at a time, Passdesk's bound); ${machine.hashesPerSecond.toFixed(1)}/s with ${CONCURRENCY} at a time`,
  );
  const runs = variants.map((variant) => {
    const parts = slices.get(variant.connection) ?? [];
    const ok = sum(parts.map((part) => part.submits - part.failures));
    const seconds = sum(parts.map((part) => part.seconds));
    const run = {
      label: variant.label,
      argon2PerSubmit: variant.argon2PerSubmit,
      submits: sum(parts.map((part) => part.submits)),
      failures: sum(parts.map((part) => part.failures)),
      seconds,
      submitsPerSecond: ok / seconds,
      p50Millis: Math.max(...parts.map((part) => part.p50Millis)),
      p99Millis: Math.max(...parts.map((part) => part.p99Millis)),
      maxRssBytes: Math.max(...parts.map((part) => part.maxRssBytes)),
      ranOutOfTickets: parts.some((part) => part.ranOutOfTickets),
    };
    log(`  ${run.label}: ${run.submitsPerSecond.toFixed(1)} submits/s, ${run.failures} failed`);
    return run;
  });

  const section = "4 reset submit";
  return {
    figures: [
      ...runs.flatMap((run) => [
        figure({
          section,
          measure: `argon2 operations/s in submits, ${run.label} (${run.argon2PerSubmit} per submit)`,
          unit: "/s",
          value: run.submitsPerSecond * run.argon2PerSubmit,
          floor: raw.hashesPerSecond,
          floorLabel: `raw argon2id hashes/s, ${PASSDESK_ARGON2_IN_FLIGHT} at a time`,
          target: "≥ 0.9×",
          met: run.submitsPerSecond * run.argon2PerSubmit >= 0.9 * raw.hashesPerSecond,
        }),
        figure({
          section,
          measure: `submits/s, ${run.label}`,
          unit: "/s",
          value: run.submitsPerSecond,
          floor: machine.hashesPerSecond,
          floorLabel: `raw argon2id hashes/s, ${CONCURRENCY} at a time (whole machine)`,
        }),
      ]),
    ],
    details: {
      concurrency: CONCURRENCY,
      passdeskArgon2InFlight: PASSDESK_ARGON2_IN_FLIGHT,
      rawArgon2WholeMachine: machine,
      durationSeconds: options.durationSeconds,
      rawArgon2: raw,
      runs: runs.map((run) => ({
        ...run,
        argon2OperationsPerSecond: run.submitsPerSecond * run.argon2PerSubmit,
        argon2Efficiency: (run.submitsPerSecond * run.argon2PerSubmit) / raw.hashesPerSecond,
      })),
    },
    notes: runs
      .filter((run) => run.ranOutOfTickets)
      .map((run) => `${run.label}: all ${TICKETS_PER_VARIANT} tickets used before the time was up`),
  };
}
