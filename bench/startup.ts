import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BenchDatabase, createBenchDatabase } from "./database.ts";
import { type ChildServer, freePort, PASSDESK_BUILD, startChildServer } from "./processes.ts";
import { figure, type SectionResult } from "./report-types.ts";
import { median } from "./stats.ts";

export interface StartupOptions {
  adminUrl: string;
  floorDatabase: BenchDatabase;
  runs: number;
  log(line: string): void;
}

interface Start {
  readyMillis: number;
  idleRssBytes: number;
}

/** Starts, waits for /readyz, lets it settle a second, reads its RSS, stops it. */
async function startOnce(script: string, env: Record<string, string>): Promise<Start> {
  const server: ChildServer = await startChildServer({
    name: script,
    script,
    typescript: script.endsWith(".ts"),
    env: { LOG_LEVEL: "warn", ...env },
    port: await freePort(),
    readyPath: "/readyz",
  });
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  const start = {
    readyMillis: server.readyMillis,
    idleRssBytes: server.memory()?.rssBytes ?? Number.NaN,
  };
  const code = await server.stop();
  if (code !== 0) throw new Error(`${script} exited with ${code}:\n${server.output()}`);
  return start;
}

/**
 * Section 6 (start-up): time from spawning `node dist/main.js` (what `npm start` runs after its
 * build) to the first 200 on /readyz, on PostgreSQL and on PGlite, each on a fresh store
 * (migrations run) and an existing one. The floor is bench/floor.ts (under tsx).
 */
export async function benchStartup(options: StartupOptions): Promise<SectionResult> {
  const samples: Record<string, Start[]> = {
    "PostgreSQL, fresh database": [],
    "PostgreSQL, existing database": [],
    "PGlite, fresh data directory": [],
    "PGlite, existing data directory": [],
    floor: [],
  };
  const push = (key: string, start: Start) => samples[key]?.push(start);
  const created: BenchDatabase[] = [];
  const directories: string[] = [];
  try {
    for (let run = 0; run < options.runs; run++) {
      const database = await createBenchDatabase(options.adminUrl, "startup", { migrate: false });
      created.push(database);
      push(
        "PostgreSQL, fresh database",
        await startOnce(PASSDESK_BUILD, { DATABASE_URL: database.url }),
      );
      push(
        "PostgreSQL, existing database",
        await startOnce(PASSDESK_BUILD, { DATABASE_URL: database.url }),
      );
      const directory = await mkdtemp(join(tmpdir(), "passdesk-bench-pglite-"));
      directories.push(directory);
      const pglite = { PGLITE_DATA_DIR: join(directory, "data") };
      push("PGlite, fresh data directory", await startOnce(PASSDESK_BUILD, pglite));
      push("PGlite, existing data directory", await startOnce(PASSDESK_BUILD, pglite));
      push("floor", await startOnce("bench/floor.ts", { DATABASE_URL: options.floorDatabase.url }));
    }
  } finally {
    for (const database of created) await database.drop();
    for (const directory of directories) await rm(directory, { recursive: true, force: true });
  }

  const medianReady = (key: string) => median((samples[key] ?? []).map((s) => s.readyMillis));
  const floorMillis = medianReady("floor");
  const section = "6 start-up";
  const variants = Object.keys(samples).filter((key) => key !== "floor");
  for (const key of variants) options.log(`  ${key}: ${medianReady(key).toFixed(0)} ms to /readyz`);
  options.log(`  floor: ${floorMillis.toFixed(0)} ms`);
  return {
    figures: variants.map((key) =>
      figure({
        section,
        measure: `to /readyz, ${key}`,
        unit: "ms",
        value: medianReady(key),
        floor: floorMillis,
        floorLabel: "floor server start",
        target: "≤ 5 s",
        met: medianReady(key) <= 5_000,
      }),
    ),
    details: {
      runs: options.runs,
      samples,
      idleRssBytes: Object.fromEntries(
        Object.entries(samples).map(([key, starts]) => [
          key,
          median(starts.map((s) => s.idleRssBytes)),
        ]),
      ),
    },
    notes: [],
  };
}
