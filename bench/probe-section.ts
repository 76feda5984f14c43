import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import { type DatabaseHandle, openDatabase } from "../src/db/client.ts";
import { migrateDatabase } from "../src/db/migrate.ts";
import { type BenchDatabase, DEFAULT_CONNECTION, emailsFor, seedUsers } from "./database.ts";
import { type ProbeSamples, probeAfterRequests, summarizeProbe } from "./probe-after.ts";
import { type ChildServer, freePort, PASSDESK_BUILD, startChildServer } from "./processes.ts";
import { figure, type SectionResult } from "./report-types.ts";

export interface ProbeSectionOptions {
  /** The bench's PostgreSQL database, for a Passdesk of this section's own. */
  database: BenchDatabase;
  sendGridUrl: string;
  passwordHash: string;
  pairsPerKind: number;
  log(line: string): void;
}

/**
 * Passdesk as `npm start` runs it, with SendGrid (the fake) so that a known address costs its
 * real work, and with the per-recipient limit out of the way: every known address is asked for
 * once, but an attacker's list could be long, and the measurement must not be flattered by a
 * limit that spares the worker.
 */
async function startProbePassdesk(env: Record<string, string>, sendGridUrl: string) {
  const port = await freePort();
  return startChildServer({
    name: "passdesk-probe",
    script: PASSDESK_BUILD,
    typescript: false,
    port,
    readyPath: "/readyz",
    readyTimeoutMillis: 120_000,
    env: {
      ...env,
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      LOG_LEVEL: "warn",
      TRUST_PROXY: "1",
      SENDGRID_API_KEY: "SG.bench-key",
      SENDGRID_API_URL: sendGridUrl,
      RATE_LIMIT_PER_RECIPIENT_BURST: "1000000",
    },
  });
}

/**
 * A fresh embedded data directory holding `emails` as users, for a PGlite Passdesk; `prepare`
 * adds whatever else a section needs while the directory is open.
 */
export async function seedPgliteDirectory(
  emails: string[],
  passwordHash: string,
  prepare: (handle: DatabaseHandle) => Promise<void> = async () => {},
) {
  const root = await mkdtemp(join(tmpdir(), "passdesk-bench-pglite-"));
  const dataDir = join(root, "data");
  const handle = await openDatabase({ pgliteDataDir: dataDir });
  try {
    await migrateDatabase(handle);
    await handle.db.execute(sql`
      insert into users (connection_id, email, password_hash, password_changed_at)
      select c.id, e.email, ${passwordHash}, now()
      from connections c, jsonb_array_elements_text(${JSON.stringify(emails)}::jsonb) as e(email)
      where c.name = ${DEFAULT_CONNECTION}`);
    await prepare(handle);
  } finally {
    await handle.close();
  }
  return { dataDir, remove: () => rm(root, { recursive: true, force: true }) };
}

async function measure(
  backend: "postgres" | "pglite",
  options: ProbeSectionOptions,
): Promise<ProbeSamples> {
  // One address per request, known and unknown of the same length and shape.
  const count = options.pairsPerKind + 100;
  const known = emailsFor(`probe-${backend.slice(0, 2)}-known-`, count);
  const unknown = emailsFor(`probe-${backend.slice(0, 2)}-nobdy-`, count);
  let server: ChildServer | undefined;
  let cleanup = async () => {};
  try {
    if (backend === "postgres") {
      await seedUsers(options.database.sql, DEFAULT_CONNECTION, known, options.passwordHash);
      server = await startProbePassdesk(
        { DATABASE_URL: options.database.url },
        options.sendGridUrl,
      );
    } else {
      const directory = await seedPgliteDirectory(known, options.passwordHash);
      cleanup = directory.remove;
      server = await startProbePassdesk(
        { PGLITE_DATA_DIR: directory.dataDir },
        options.sendGridUrl,
      );
    }
    return await probeAfterRequests({
      url: server.url,
      known,
      unknown,
      pairsPerKind: options.pairsPerKind,
    });
  } finally {
    await server?.stop();
    await cleanup();
  }
}

/**
 * Section 2, second part: the probe-after-request attack on both backends. The first part times
 * the answers themselves; this one times the request that follows each answer.
 */
export async function benchProbeAfterRequest(options: ProbeSectionOptions): Promise<SectionResult> {
  const figures: SectionResult["figures"] = [];
  const details: Record<string, unknown> = {};
  const notes: string[] = [];
  for (const backend of ["postgres", "pglite"] as const) {
    const summary = summarizeProbe(await measure(backend, options));
    details[backend] = summary;
    options.log(
      `  probe after request, ${backend}: median after a known ${summary.afterKnownMedianMillis.toFixed(3)} ms, after an unknown ${summary.afterUnknownMedianMillis.toFixed(3)} ms; KS D ${summary.ksStatistic.toFixed(4)}, p ${summary.ksPValue.toFixed(3)}`,
    );
    if (summary.failures > 0) notes.push(`${summary.failures} probe pairs on ${backend} not 200`);
    const section = `2 probe after request (${backend === "pglite" ? "PGlite" : "PostgreSQL"})`;
    figures.push(
      figure({
        section,
        measure: "probe median, after a known email",
        unit: "ms",
        value: summary.afterKnownMedianMillis,
        floor: summary.afterUnknownMedianMillis,
        floorLabel: "after an unknown email",
        target: "within ±5%",
        met:
          Math.abs(summary.afterKnownMedianMillis / summary.afterUnknownMedianMillis - 1) <= 0.05,
      }),
      figure({
        section,
        measure: "probe p95, after a known email",
        unit: "ms",
        value: summary.afterKnownP95Millis,
        floor: summary.afterUnknownP95Millis,
        floorLabel: "after an unknown email",
      }),
      figure({
        section,
        measure: "KS two-sample p-value",
        unit: "p",
        value: summary.ksPValue,
        floor: 0.01,
        floorLabel: "significance level",
        ratio: Number.NaN,
        target: "p ≥ 0.01",
        met: summary.ksPValue >= 0.01,
      }),
    );
  }
  return { figures, details, notes };
}
