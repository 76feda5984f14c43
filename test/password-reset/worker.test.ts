import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DatabaseHandle } from "../../src/db/client.ts";
import type { Repository } from "../../src/db/stores.ts";
import { startWorker } from "../../src/password-reset/worker.ts";
import { createManualClock } from "../support/clock.ts";
import { createTestDatabase, type TestDatabase } from "../support/database.ts";
import { createMemoryMailer } from "../support/memory-mailer.ts";
import { DEFAULT_CONNECTION, sendDependencies, silentLogger } from "../support/reset-fixture.ts";
import { waitFor } from "../support/wait-for.ts";

const REQUESTS = 450;

// Row locks held by another session need a second connection: PostgreSQL only.
describe.runIf(process.env.TEST_DATABASE_URL)("the worker on PostgreSQL", () => {
  let database: TestDatabase;
  let handle: DatabaseHandle;
  let repo: Repository;

  beforeAll(async () => {
    database = await createTestDatabase("postgres");
    ({ handle, repo } = await database.open());
  });
  afterAll(async () => {
    await handle?.close();
    await database?.drop();
  });

  it("resolves a request it passed by while another instance held it, once that lets go", async () => {
    const ids: number[] = [];
    for (let i = 0; i < REQUESTS; i++) {
      const request = await repo.resetRequests.record({
        publicId: `req_worker_${i}`,
        email: `nobody-${i}@example.com`,
        connection: DEFAULT_CONNECTION,
        clientId: null,
        organization: null,
        source: "api",
        requestedBy: null,
        clientIp: "203.0.113.5",
      });
      ids.push(request.id);
    }
    const held = ids[0] ?? 0;
    const other = postgres((database.env as { DATABASE_URL: string }).DATABASE_URL, { max: 1 });
    let release = () => {};
    let locked = () => {};
    const isLocked = new Promise<void>((resolve) => {
      locked = resolve;
    });
    const holding = other.begin(async (sql) => {
      await sql`select id from reset_requests where id = ${held} for update`;
      await new Promise<void>((resolve) => {
        release = resolve;
        locked();
      });
    });
    await isLocked;
    const status = async (id: number) => (await repo.resetRequests.findById(id))?.status;
    const pendingCount = async () =>
      (await Promise.all(ids.map(status))).filter((s) => s === "pending").length;

    const worker = startWorker(sendDependencies(repo, createMemoryMailer(), createManualClock()), {
      logger: silentLogger,
      pollIntervalMillis: 200,
    });
    try {
      await waitFor(
        async () => (await pendingCount()) === 1,
        30_000,
        "all but the held request resolved",
      );
      expect(await status(held)).toBe("pending");

      release();
      await holding;
      await waitFor(
        async () => (await status(held)) !== "pending",
        30_000,
        "the held request resolved",
      );

      expect(await pendingCount()).toBe(0);
      expect(await status(held)).toBe("unknown_user");
    } finally {
      release();
      await worker.stop();
      await other.end();
    }
  });
});
