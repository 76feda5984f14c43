import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Repository } from "../../src/db/stores.ts";
import type { Connection } from "../../src/users/connection.ts";
import { attemptSignIn, createTestGuard } from "../support/memory-sign-in.ts";
import { openStores, storeBackends } from "../support/store-backends.ts";

// The guard over the real stores: the count is the database's, so concurrent attempts in one
// millisecond (the worst case for telling which one reached the limit) are counted one by one.
describe.each(storeBackends)("the brute-force guard under concurrency on %s", (backend) => {
  let repo: Repository;
  let close: () => Promise<void>;
  let connection: Connection;

  beforeAll(async () => {
    ({ repo, close } = await openStores(backend));
    const found = await repo.connections.findById(1);
    if (!found) throw new Error("no default connection");
    connection = found;
    await repo.users.add(1, { email: "jane@example.com" });
  });
  afterAll(() => close?.());

  it("50 wrong attempts at once, in one millisecond, let exactly ten through and start one block", async () => {
    const { guard, mailer, settled } = createTestGuard(repo);
    const at = new Date();
    const outcomes = await Promise.all(
      Array.from({ length: 50 }, () =>
        attemptSignIn(guard, repo, {
          connection,
          email: "jane@example.com",
          password: "wrong",
          ip: "192.0.2.50",
          at,
        }),
      ),
    );
    await settled();
    expect(outcomes.filter((outcome) => outcome.allowed)).toHaveLength(10);
    expect(outcomes.filter((outcome) => !outcome.allowed)).toEqual(
      Array.from({ length: 40 }, () => ({ allowed: false, reason: "identifier_blocked" })),
    );
    const audit = await repo.audit.tail(100);
    expect(audit.filter((row) => row.action === "sign_in.blocked")).toHaveLength(1);
    expect(mailer.sent).toHaveLength(1);
    expect(await repo.signInFailures.list(1, "jane@example.com")).toMatchObject([
      { failures: 50, blockedAt: at },
    ]);
  });
});
