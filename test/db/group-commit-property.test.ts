import { inArray } from "drizzle-orm";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DatabaseHandle } from "../../src/db/client.ts";
import { groupCommit } from "../../src/db/group-commit.ts";
import { resetRequests } from "../../src/db/schema.ts";
import type { Repository } from "../../src/db/stores.ts";
import type { RecordOutcome } from "../../src/password-reset/ports.ts";
import { backends, createTestDatabase, type TestDatabase } from "../support/database.ts";
import { newResetRequest } from "../support/reset-requests.ts";

const AT = new Date("2026-03-01T00:00:00Z");

/**
 * Values no edge should let through, sent straight to the store: each may fail, but only alone.
 * NUL is refused by PostgreSQL (a data exception), lone surrogates are stored as U+FFFD, and the
 * rest are merely unusual.
 */
const hostileText = fc.constantFrom(
  "\ud800x",
  "x\udc00",
  "a\u0000b",
  "\ud83d",
  "e\u0301",
  "😀",
  "\u202e",
  "x".repeat(5_000),
  "'; drop table reset_requests; --",
  "\\u0000",
);

type Planned =
  | { kind: "normal"; id: string }
  | { kind: "hostile"; id: string; field: "email" | "key" | "organization"; text: string };

const plan = fc
  .array(
    fc.oneof(
      { weight: 3, arbitrary: fc.constant({ kind: "normal" as const }) },
      {
        weight: 1,
        arbitrary: fc.record({
          kind: fc.constant("hostile" as const),
          field: fc.constantFrom("email" as const, "key" as const, "organization" as const),
          text: hostileText,
        }),
      },
    ),
    { minLength: 2, maxLength: 40 },
  )
  .map((items) => items.map((item, i) => ({ ...item, id: `p${i}` }) as Planned));

describe.each(backends)("group commit with hostile values in the batch, on %s", (backend) => {
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

  it("answers every normal request recorded exactly when it is stored, whatever shares its statement", async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(plan, async (planned) => {
        run += 1;
        const record = groupCommit(repo.resetRequests, { maxInFlight: 1 });
        const requests = planned.map((item) => {
          const publicId = `r${run}-${item.id}`;
          const request = newResetRequest(publicId);
          const key = `prop:${publicId}`;
          if (item.kind === "normal") return { item, publicId, request, key };
          return {
            item,
            publicId,
            request: {
              ...request,
              ...(item.field === "email" && { email: `${item.text}@corp.example` }),
              ...(item.field === "organization" && { organization: item.text }),
            },
            key: item.field === "key" ? `${key}:${item.text}` : key,
          };
        });
        const settled = await Promise.allSettled(
          requests.map(({ request, key }) =>
            record(request, [{ key, capacity: 5, perMinute: 1 }], AT),
          ),
        );
        const stored = new Set(
          (
            await handle.db
              .select({ publicId: resetRequests.publicId })
              .from(resetRequests)
              .where(
                inArray(
                  resetRequests.publicId,
                  requests.map((r) => r.publicId),
                ),
              )
          ).map((row) => row.publicId),
        );
        requests.forEach(({ item, publicId }, i) => {
          const result = settled[i] as PromiseSettledResult<RecordOutcome>;
          const recorded = result.status === "fulfilled" && result.value.recorded;
          if (item.kind === "normal") expect(recorded, publicId).toBe(true);
          expect(recorded, publicId).toBe(stored.has(publicId));
        });
      }),
      { numRuns: 40 },
    );
  });
});
