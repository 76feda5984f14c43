import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DatabaseHandle } from "../../src/db/client.ts";
import { groupCommit, MissingOutcomeError } from "../../src/db/group-commit.ts";
import type { Repository } from "../../src/db/stores.ts";
import type { RecordEntry, ResetRequestStore } from "../../src/password-reset/ports.ts";
import type { Bucket } from "../../src/rate-limits/ports.ts";
import { backends, createTestDatabase, type TestDatabase } from "../support/database.ts";
import { newResetRequest } from "../support/reset-requests.ts";

const AT = new Date("2026-03-01T00:00:00Z");

const bucket = (key: string, capacity = 5): Bucket => ({ key, capacity, perMinute: 1 });

/** The real store, counting the statements it is asked to run and their sizes. */
function counting(store: ResetRequestStore) {
  const sizes: number[] = [];
  return {
    sizes,
    store: {
      recordAllIfAllowed(entries: RecordEntry[], at: Date) {
        sizes.push(entries.length);
        return store.recordAllIfAllowed(entries, at);
      },
    },
  };
}

describe.each(backends)("group commit of reset requests on %s", (backend) => {
  let database: TestDatabase;
  let handle: DatabaseHandle;
  let repo: Repository;

  beforeAll(async () => {
    database = await createTestDatabase(backend);
    ({ handle, repo } = await database.open());
  });
  afterAll(async () => {
    await handle?.close();
    await database?.drop();
  });

  it("records concurrent requests in fewer statements, each answered as if alone", async () => {
    const { sizes, store } = counting(repo.resetRequests);
    const record = groupCommit(store, { maxInFlight: 2 });

    const outcomes = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        record(
          newResetRequest(`many-${i}`),
          [bucket(`many:ip-email:${i}`), bucket(`many:ip:${i}`)],
          AT,
        ),
      ),
    );

    expect(outcomes.every((outcome) => outcome.recorded)).toBe(true);
    expect(outcomes[7]?.buckets.map(({ key, tokens }) => ({ key, tokens }))).toEqual([
      { key: "many:ip-email:7", tokens: 4 },
      { key: "many:ip:7", tokens: 4 },
    ]);
    expect(sizes.reduce((sum, size) => sum + size, 0)).toBe(40);
    expect(sizes.length).toBeLessThan(40);
    for (let i = 0; i < 40; i += 1) {
      expect(await repo.resetRequests.findByPublicId(`many-${i}`)).toMatchObject({
        email: `many-${i}@example.com`,
      });
    }
  });

  it("answers every request of a statement whose keys and emails PostgreSQL stores altered", async () => {
    // A lone surrogate reaches PostgreSQL as U+FFFD. The edges refuse such input; should one
    // slip through, it must still be answered from its own row, and the others from theirs.
    const { sizes, store } = counting(repo.resetRequests);
    const record = groupCommit(store, { maxInFlight: 1 });
    const keys = ["odd:\ud800x", "odd:plain-1", "odd:\ufffdx", "odd:e\u0301"];
    const outcomes = await Promise.all(
      keys.map((key, i) =>
        record(
          { ...newResetRequest(`odd-${i}`), email: `${key.slice(4)}@corp.example` },
          [bucket(key)],
          AT,
        ),
      ),
    );
    expect(outcomes.map((outcome) => outcome.recorded)).toEqual([true, true, true, true]);
    // "\ud800x" and "\ufffdx" are one bucket as stored, so they went in different statements.
    expect(outcomes[2]?.buckets[0]?.tokens).toBe(3);
    expect(sizes.some((size) => size > 1)).toBe(true);
  });

  it("never puts two requests for one bucket in a statement: a shared IP gets its burst, no more", async () => {
    const { sizes, store } = counting(repo.resetRequests);
    const record = groupCommit(store, { maxInFlight: 1 });
    const sharedIp = bucket("shared:ip", 3);

    const outcomes = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        record(newResetRequest(`shared-${i}`), [bucket(`shared:ip-email:${i}`), sharedIp], AT),
      ),
    );

    expect(outcomes.map((outcome) => outcome.recorded)).toEqual([
      true,
      true,
      true,
      false,
      false,
      false,
    ]);
    expect(outcomes.map((outcome) => outcome.buckets[1]?.tokens)).toEqual([2, 1, 0, 0, 0, 0]);
    expect(sizes).toEqual([1, 1, 1, 1, 1, 1]);
    expect(await repo.resetRequests.findByPublicId("shared-3")).toBeUndefined();
  });

  it("fails only the request whose values the database refuses; its batch-mates are recorded", async () => {
    await repo.resetRequests.record(newResetRequest("taken-id"));
    const { sizes, store } = counting(repo.resetRequests);
    const record = groupCommit(store, { maxInFlight: 1 });

    const settled = await Promise.allSettled(
      ["fine-1", "taken-id", "fine-2"].map((publicId) =>
        record(newResetRequest(publicId), [bucket(`refused:${publicId}`)], AT),
      ),
    );

    expect(settled.map((result) => result.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect(sizes[0]).toBe(3);
    expect(await repo.resetRequests.findByPublicId("fine-2")).toBeDefined();
  });

  it("refuses a statement that would take one bucket twice", async () => {
    await expect(
      repo.resetRequests.recordAllIfAllowed(
        [
          { request: newResetRequest("twice-1"), buckets: [bucket("twice")] },
          { request: newResetRequest("twice-2"), buckets: [bucket("twice")] },
        ],
        AT,
      ),
    ).rejects.toThrow(RangeError);
    expect(await repo.resetRequests.findByPublicId("twice-1")).toBeUndefined();
  });

  it.runIf(backend === "postgres")(
    "statements of two instances taking the same buckets in opposite orders do not deadlock",
    async () => {
      const other = await database.open();
      try {
        // Twenty buckets each, so that the statements overlap while they lock them one by one.
        const keys = Array.from({ length: 20 }, (_, i) => bucket(`order:${i}`, 1000));
        const reversed = [...keys].reverse();
        const runs = Array.from({ length: 30 }, (_, round) =>
          Promise.all([
            repo.resetRequests.recordAllIfAllowed(
              [{ request: newResetRequest(`order-a-${round}`), buckets: keys }],
              AT,
            ),
            other.repo.resetRequests.recordAllIfAllowed(
              [{ request: newResetRequest(`order-b-${round}`), buckets: reversed }],
              AT,
            ),
          ]),
        );
        const outcomes = (await Promise.all(runs)).flat(2);
        expect(outcomes.filter((outcome) => outcome?.recorded)).toHaveLength(60);
      } finally {
        await other.handle.close();
      }
    },
  );
});

describe("group commit without a database", () => {
  it("settles each request by its own outcome: one the statement did not answer fails alone", async () => {
    const record = groupCommit(
      {
        recordAllIfAllowed: async (entries) =>
          entries.map(({ request, buckets }) =>
            request.publicId === "poison"
              ? undefined
              : {
                  recorded: true,
                  buckets: buckets.map((b) => ({ ...b, allowed: true, tokens: 1 })),
                },
          ),
      },
      { maxInFlight: 1 },
    );
    const settled = await Promise.allSettled(
      ["a", "poison", "b", "c"].map((key) => record(newResetRequest(key), [bucket(key)], AT)),
    );

    expect(settled.map((result) => result.status)).toEqual([
      "fulfilled",
      "rejected",
      "fulfilled",
      "fulfilled",
    ]);
    expect((settled[1] as PromiseRejectedResult).reason).toBeInstanceOf(MissingOutcomeError);
  });

  it("fails every request of a batch alike when the failure is not about their values", async () => {
    const down = Object.assign(new Error("connection refused"), { code: "ECONNREFUSED" });
    let calls = 0;
    const record = groupCommit(
      {
        recordAllIfAllowed: async () => {
          calls += 1;
          throw down;
        },
      },
      { maxInFlight: 1 },
    );
    // All four share one statement; none is retried alone, since each would fail the same way.
    const settled = await Promise.allSettled(
      ["a", "b", "c", "d"].map((key) => record(newResetRequest(key), [bucket(key)], AT)),
    );

    expect(settled.every((result) => result.status === "rejected")).toBe(true);
    expect(calls).toBe(1);
  });
});
