import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AuditEntry } from "../../src/audit/ports.ts";
import { createRepository, type Repository, type Stores } from "../../src/db/stores.ts";
import { backends, openMigratedDatabase } from "../support/database.ts";
import { newResetRequest } from "../support/reset-requests.ts";

const AT = new Date("2026-03-01T12:00:00Z");
const AWKWARD = `quote" back\\slash, comma {brace} 'single' zoë \ud800 lone`;

/** The batch statements take one JSON parameter for all their rows; on the pool and in a transaction. */
describe.each(backends)("batch statements on %s", (backend) => {
  let repo: Repository;
  let close: () => Promise<void>;
  let connectionId: number;

  beforeAll(async () => {
    const opened = await openMigratedDatabase(backend);
    close = opened.close;
    // Public requests are posted to Slack here, so slack_state is set for some rows.
    repo = createRepository(opened.handle, { shouldPostAudit: (e) => e.actorType === "public" });
    const connection = await repo.connections.findByName("Username-Password-Authentication");
    if (!connection) throw new Error("no default connection");
    connectionId = connection.id;
    for (const email of ["one@example.com", "two@example.com", "zoë@example.com"]) {
      await repo.users.add(connectionId, { email });
    }
  });
  afterAll(async () => {
    await close?.();
  });

  const inTransaction = <T>(work: (stores: Stores) => Promise<T>) => repo.transaction(work);
  const onPool = <T>(work: (stores: Stores) => Promise<T>) => work(repo);

  it.each([
    ["on the pool", onPool],
    ["in a transaction", inTransaction],
  ])("findByEmails finds each stored address once, normalised, %s", async (_label, run) => {
    const found = await run((stores) =>
      stores.users.findByEmails(connectionId, [
        "ONE@example.com",
        "one@example.com",
        "zoë@example.com",
        "nobody@example.com",
        AWKWARD,
      ]),
    );

    expect(found.map((user) => user.email).sort()).toEqual(["one@example.com", "zoë@example.com"]);
  });

  it.each([
    ["on the pool", onPool],
    ["in a transaction", inTransaction],
  ])("recordAll keeps order, details and awkward text, %s", async (label, run) => {
    const entries: AuditEntry[] = [
      { actorType: "public", actorId: "203.0.113.9", action: `batch ${label}`, outcome: "a" },
      {
        actorType: "slack",
        actorId: "U1",
        action: `batch ${label}`,
        outcome: "b",
        targetEmail: AWKWARD,
        connection: "Username-Password-Authentication",
        requestId: "req_1",
        details: { clientId: "c1", nested: { n: 1 } },
      },
      { actorType: "cli", action: `batch ${label}`, outcome: "c", actorId: null },
    ];

    await run((stores) => stores.audit.recordAll(entries));

    const rows = (await repo.audit.tail(50)).filter((row) => row.action === `batch ${label}`);
    expect(rows.map((row) => row.outcome)).toEqual(["a", "b", "c"]);
    expect(rows[0]).toMatchObject({ actorType: "public", actorId: "203.0.113.9", details: {} });
    expect(rows[1]).toMatchObject({
      targetEmail: AWKWARD.replace("\ud800", "\ufffd"),
      requestId: "req_1",
      details: { clientId: "c1", nested: { n: 1 } },
    });
    expect(rows[2]).toMatchObject({ actorId: null, targetEmail: null, connection: null });
    const posting = await repo.auditPosts.claimDue(new Date(Date.now() + 60_000), AT, 100);
    expect(
      posting.filter((row) => row.action === `batch ${label}`).map((row) => row.outcome),
    ).toEqual(["a"]);
  });

  it.each([
    ["on the pool", onPool],
    ["in a transaction", inTransaction],
  ])("markAllProcessed sets each request's own outcome, %s", async (label, run) => {
    const recorded = await Promise.all(
      ["x", "y"].map((name) =>
        repo.resetRequests.record({
          ...newResetRequest(`req_${label}_${name}`.replaceAll(" ", "_")),
          email: `${name}@example.com`,
        }),
      ),
    );
    const [x, y] = recorded;
    if (!x || !y) throw new Error("not recorded");
    const user = (await repo.users.findByEmail(connectionId, "one@example.com"))?.id ?? null;

    await run((stores) =>
      stores.resetRequests.markAllProcessed(
        [
          { id: x.id, status: "queued", userId: user },
          { id: y.id, status: "unknown_user", userId: null },
        ],
        AT,
      ),
    );

    expect(await repo.resetRequests.findById(x.id)).toMatchObject({
      status: "queued",
      userId: user,
      processedAt: AT,
    });
    expect(await repo.resetRequests.findById(y.id)).toMatchObject({
      status: "unknown_user",
      userId: null,
      processedAt: AT,
    });
  });
});
