import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Repository } from "../../src/db/stores.ts";
import { openStores, storeBackends } from "../support/store-backends.ts";

describe.each(storeBackends)("a unit of work on %s", (backend) => {
  let repo: Repository;
  let close: () => Promise<void>;

  beforeAll(async () => {
    ({ repo, close } = await openStores(backend));
  });
  afterAll(() => close?.());

  it("commits everything it did when it returns", async () => {
    const id = await repo.transaction(async (stores) => {
      const user = await stores.users.add(1, { email: "kept@example.com" });
      if (!user) throw new Error("could not add");
      await stores.users.setPasswordHash(user.id, "hash", new Date());
      return user.id;
    });
    expect(await repo.users.recentPasswordHashes(id, 5)).toEqual(["hash"]);
  });

  it("leaves nothing behind when its work throws", async () => {
    const user = await repo.users.add(1, { email: "unchanged@example.com", passwordHash: "old" });
    if (!user) throw new Error("could not add");
    await expect(
      repo.transaction(async (stores) => {
        await stores.users.setPasswordHash(user.id, "new", new Date());
        await stores.users.add(1, { email: "never@example.com" });
        await stores.audit.record({ actorType: "system", action: "test", outcome: "thrown" });
        throw new Error("the work failed");
      }),
    ).rejects.toThrow("the work failed");
    expect(await repo.users.findByEmail(1, "never@example.com")).toBeUndefined();
    expect(await repo.users.recentPasswordHashes(user.id, 5)).toEqual(["old"]);
    expect((await repo.audit.tail(10)).map((entry) => entry.outcome)).not.toContain("thrown");
  });
});
