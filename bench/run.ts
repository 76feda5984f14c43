/**
 * `npm run bench [-- --only 1,3,7 --duration 10 --rounds 2 --cpu-prof]`: Passdesk's performance
 * figures against floors measured in the same run, written to docs/performance.{json,md} and
 * docs/timing-distribution.svg (full runs only). Needs a PostgreSQL at DATABASE_URL (default
 * postgres://postgres@127.0.0.1:5432/postgres) where it may create and drop databases.
 */
import os from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { createArgon2Hasher } from "../src/passwords/argon2-hasher.ts";
import { startFakeSendGrid } from "../test/support/fake-sendgrid.ts";
import { startFakeSlack } from "../test/support/fake-slack.ts";
import { benchAuditChain } from "./audit-chain.ts";
import { benchChangePassword } from "./change-password.ts";
import { type BenchDatabase, createBenchDatabase, postmasterStartTime } from "./database.ts";
import { benchDrain } from "./drain.ts";
import type { LoadResult } from "./load.ts";

type Cores = Record<string, number>;

import { describeMachine } from "./machine.ts";
import { benchOwnStore, createLegacyDatabase, LEGACY_URL_ENV } from "./own-store.ts";
import { BENCH_SLACK, startBenchPassdesk } from "./passdesk.ts";
import { benchPeer } from "./peer-section.ts";
import { benchProbeAfterRequest } from "./probe-section.ts";
import { buildPassdesk, type ChildServer, repoRoot } from "./processes.ts";
import { type BenchReport, renderTable, writeDocs } from "./report.ts";
import { figure, SectionFailure, type SectionResult } from "./report-types.ts";
import { benchResetSubmit } from "./reset-submit.ts";
import { benchSignIn } from "./sign-in.ts";
import { benchSlackAck } from "./slack-ack.ts";
import { benchStartup } from "./startup.ts";
import { selfCheckKs } from "./stats.ts";
import { benchTiming, type TimingSamples } from "./timing.ts";

const { values: args } = parseArgs({
  options: {
    only: { type: "string" },
    duration: { type: "string", default: "10" },
    rounds: { type: "string", default: "2" },
    "cpu-prof": { type: "boolean", default: false },
  },
});
const ALL_SECTIONS = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "10"];
const only = new Set((args.only ?? ALL_SECTIONS.join(",")).split(",").map((s) => s.trim()));
const durationSeconds = Math.max(10, Number(args.duration));
const rounds = Math.max(1, Number(args.rounds));
const adminUrl = process.env.DATABASE_URL || "postgres://postgres@127.0.0.1:5432/postgres";
const log = (line: string) => process.stdout.write(`${line}\n`);
const MB = 1024 * 1024;

const startedAt = performance.now();
// Every part is bounded on its own; this is the backstop (children die with the process).
setTimeout(() => {
  log("bench: over 20 minutes, giving up");
  process.exit(2);
}, 20 * 60_000).unref();

const report: BenchReport = {
  machine: await describeMachine(adminUrl),
  figures: [],
  notes: [],
  sections: {},
  errors: {},
  ksSelfCheck: [],
  durationSeconds: 0,
};

await buildPassdesk();

const ks = selfCheckKs();
report.ksSelfCheck = ks.checks;
log(`KS self-check: ${ks.ok ? "passed" : "FAILED"}\n  ${ks.checks.join("\n  ")}`);
if (!ks.ok) process.exit(1);

// Every seeded user has this OWASP-cost hash: verifying it costs what a real one does.
const BENCH_PASSWORD = "Bench-old-password-1";
const passwordHash = await createArgon2Hasher().hash(BENCH_PASSWORD);
const databases: BenchDatabase[] = [];
const main = await createBenchDatabase(adminUrl, "main");
databases.push(main);
const floorDatabase = await createBenchDatabase(adminUrl, "floor");
databases.push(floorDatabase);
const legacyDatabase = await createLegacyDatabase(adminUrl);
databases.push(legacyDatabase);
const fakeSendGrid = await startFakeSendGrid();
const fakeSlack = await startFakeSlack({ teamId: BENCH_SLACK.teamId });
const profileDir = join(os.tmpdir(), `passdesk-bench-profile-${process.pid}`);
let passdesk: ChildServer | undefined;
let timingSamples: TimingSamples | undefined;

async function section(
  name: string,
  key: string,
  work: () => Promise<SectionResult>,
): Promise<void> {
  if (!only.has(key)) return;
  log(`\n${name}`);
  try {
    const result = await work();
    report.figures.push(...result.figures);
    report.notes.push(...result.notes);
    report.sections[name] = result.details;
  } catch (error) {
    if (error instanceof SectionFailure) {
      report.figures.push(...error.result.figures);
      report.notes.push(...error.result.notes);
      report.sections[name] = error.result.details;
    }
    report.errors[name] = (error as Error).message.split("\n")[0] ?? String(error);
    log(`  FAILED: ${(error as Error).stack}`);
    const output = passdesk?.output().trim();
    if (output) log(`  Passdesk's last output:\n${output.slice(-3_000)}`);
  }
}

try {
  passdesk = await startBenchPassdesk({
    databaseUrl: main.url,
    sendGridUrl: fakeSendGrid.url,
    slackApiUrl: fakeSlack.url,
    env: { [LEGACY_URL_ENV]: legacyDatabase.url },
    logLevel: process.env.BENCH_LOG_LEVEL ?? "warn",
    ...(args["cpu-prof"] && { nodeArgs: ["--cpu-prof", `--cpu-prof-dir=${profileDir}`] }),
  });
  const server = passdesk;
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  const idleRssBytes = server.memory()?.rssBytes ?? Number.NaN;
  log(
    `Passdesk ready in ${server.readyMillis.toFixed(0)} ms, RSS idle ${(idleRssBytes / MB).toFixed(0)} MB`,
  );

  let underLoad: { passdesk: number; floor: number } | undefined;
  let changePasswordCpuPerRequest: number | undefined;
  await section("1. change_password throughput and latency", "1", async () => {
    const result = await benchChangePassword({
      passdesk: server,
      mainDatabase: main,
      floorDatabase,
      durationSeconds,
      rounds,
      log,
    });
    underLoad = {
      passdesk: result.details.passdeskMaxRssBytes as number,
      floor: result.details.floorMaxRssBytes as number,
    };
    // CPU seconds (Passdesk + PostgreSQL) per request answered, over the measured rounds.
    const runs = result.details.passdeskRuns as Array<LoadResult & { cores: Cores }>;
    const perRequest = runs.map(
      (run) => ((run.cores.server ?? 0) + (run.cores.postgres ?? 0)) / run.requestsPerSecond,
    );
    changePasswordCpuPerRequest =
      perRequest.reduce((sum, value) => sum + value, 0) / Math.max(1, perRequest.length);
    return result;
  });
  await section("2. Timing indistinguishability", "2", async () => {
    const result = await benchTiming({
      passdesk: server,
      database: main,
      passwordHash,
      requestsPerKind: 2_000,
      log,
    });
    timingSamples = result.samples;
    const probe = await benchProbeAfterRequest({
      database: main,
      sendGridUrl: fakeSendGrid.url,
      passwordHash,
      pairsPerKind: 1_000,
      log,
    });
    return {
      figures: [...result.figures, ...probe.figures],
      notes: [...result.notes, ...probe.notes],
      details: { ...result.details, probeAfterRequest: probe.details },
    };
  });
  await section("3. Outbox drain", "3", () =>
    benchDrain({ database: main, fakeSendGrid, passwordHash, emails: 2_000, log }),
  );
  await section("4. Reset-page submit vs raw argon2", "4", () =>
    benchResetSubmit({ passdesk: server, database: main, passwordHash, durationSeconds: 12, log }),
  );
  await section("5. Slack ack latency", "5", () =>
    benchSlackAck({ passdesk: server, database: main, fakeSlack, passwordHash, log }),
  );
  await section("8. Own user store (SQL): drain and reset submit", "8", () =>
    benchOwnStore({
      passdesk: server,
      database: main,
      legacy: legacyDatabase,
      fakeSendGrid,
      passwordHash,
      durationSeconds,
      log,
    }),
  );
  await section("9. Audit chain: what it costs an append, and change_password", "9", () =>
    benchAuditChain({
      database: main,
      ...(changePasswordCpuPerRequest && { changePasswordCpuPerRequest }),
      log,
    }),
  );
  const peakRssBytes = server.memory()?.peakRssBytes ?? Number.NaN;
  await passdesk.stop();
  passdesk = undefined;

  let floorIdleRssBytes = Number.NaN;
  await section("6. Start-up and memory", "6", async () => {
    const result = await benchStartup({ adminUrl, floorDatabase, runs: 3, log });
    floorIdleRssBytes = (result.details.idleRssBytes as Record<string, number>).floor ?? Number.NaN;
    return result;
  });
  const memorySection = "6 memory";
  if (only.has("6") && Number.isFinite(floorIdleRssBytes)) {
    report.figures.push(
      figure({
        section: memorySection,
        measure: "RSS idle (PostgreSQL, Slack on)",
        unit: "MB",
        value: idleRssBytes,
        floor: floorIdleRssBytes,
        floorLabel: "floor server idle",
        target: "≤ 250 MB",
        met: idleRssBytes <= 250 * MB,
      }),
    );
  }
  if (underLoad) {
    report.figures.push(
      figure({
        section: memorySection,
        measure: "RSS under load (1), highest sample",
        unit: "MB",
        value: underLoad.passdesk,
        floor: underLoad.floor,
        floorLabel: "floor under the same load",
        target: "≤ 200 MB",
        met: underLoad.passdesk <= 200 * MB,
      }),
    );
  }
  report.sections.memory = { idleRssBytes, peakRssBytesWholeRun: peakRssBytes, underLoad };

  await section("7. Sign-in (POST /oauth/token)", "7", () =>
    benchSignIn({
      adminUrl,
      sendGridUrl: fakeSendGrid.url,
      passwordHash,
      password: BENCH_PASSWORD,
      sliceSeconds: durationSeconds,
      rounds,
      requestsPerKind: 1_000,
      ...(args["cpu-prof"] && { nodeArgs: ["--cpu-prof", `--cpu-prof-dir=${profileDir}`] }),
      log,
    }),
  );
  await section("10. End-to-end vs better-auth", "10", () =>
    benchPeer({
      adminUrl,
      slackApiUrl: fakeSlack.url,
      passwordHash,
      rounds,
      log,
    }),
  );
} finally {
  await passdesk?.stop();
  await fakeSendGrid.close();
  await fakeSlack.close();
  for (const database of databases) {
    await database
      .drop()
      .catch((error: Error) => log(`could not drop ${database.name}: ${error.message}`));
  }
}

report.machine.loadAverageAtEnd = os.loadavg();
const postgresStartedAtEnd = await postmasterStartTime(adminUrl).catch(() => "unreachable");
if (postgresStartedAtEnd !== report.machine.postgresStartedAt) {
  report.errors.postgres = `PostgreSQL restarted during the run (started ${report.machine.postgresStartedAt}, now ${postgresStartedAtEnd}): figures are suspect`;
}
report.durationSeconds = (performance.now() - startedAt) / 1000;
log(`\n${renderTable(report.figures)}\n`);
for (const note of report.notes) log(`note: ${note}`);
for (const [name, error] of Object.entries(report.errors)) log(`FAILED ${name}: ${error}`);
if (args["cpu-prof"]) log(`CPU profiles of Passdesk: ${profileDir}`);

if (ALL_SECTIONS.every((key) => only.has(key)) && Object.keys(report.errors).length === 0) {
  writeDocs(join(repoRoot, "docs"), report, timingSamples);
  log("wrote docs/performance.json, docs/performance.md, docs/timing-distribution.svg");
} else {
  log("partial run or failed section: docs/ left unchanged");
}
log(`bench took ${report.durationSeconds.toFixed(0)} s`);
