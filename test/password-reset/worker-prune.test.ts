import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rowsOf } from "../../src/db/rows.ts";
import type { Repository } from "../../src/db/stores.ts";
import { startWorker } from "../../src/password-reset/worker.ts";
import { createManualClock } from "../support/clock.ts";
import { backends, openMigratedDatabase } from "../support/database.ts";
import { createMemoryMailer } from "../support/memory-mailer.ts";
import { sendDependencies, silentLogger } from "../support/reset-fixture.ts";
import { waitFor } from "../support/wait-for.ts";

describe.each(backends)("the worker's pruning of rate limits on %s", (backend) => {
  let database: Awaited<ReturnType<typeof openMigratedDatabase>>;
  let repo: Repository;

  beforeAll(async () => {
    database = await openMigratedDatabase(backend);
    repo = database.repo;
  });
  afterAll(() => database?.close());

  const count = async () => {
    const result = await database.handle.db.execute(
      sql`select count(*)::int as n from rate_limits`,
    );
    return rowsOf<{ n: number }>(result)[0]?.n ?? -1;
  };

  it("deletes, on its own schedule, the buckets that are full again and keeps the others", async () => {
    const clock = createManualClock(new Date("2026-02-01T00:00:00Z"));
    const bucket = (key: string) => ({ key, capacity: 1, perMinute: 1 });
    await repo.rateLimits.take(
      Array.from({ length: 30 }, (_, i) => bucket(`idle-${i}`)),
      new Date("2026-01-31T00:00:00Z"),
    );
    await repo.rateLimits.take([bucket("busy")], clock.now());
    expect(await count()).toBe(31);

    const worker = startWorker(sendDependencies(repo, createMemoryMailer(), clock), {
      logger: silentLogger,
      pollIntervalMillis: 1_000,
      pruneIntervalMillis: 20,
    });
    try {
      await waitFor(async () => (await count()) === 1, 30_000, "the idle buckets to be pruned");
      const [busy] = await repo.rateLimits.take([bucket("busy")], clock.now());
      expect(busy).toMatchObject({ allowed: false });
    } finally {
      await worker.stop();
    }
  });
});
