import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Repository } from "../../src/db/stores.ts";
import { importUsers } from "../../src/users/import-users.ts";
import { backends, openMigratedDatabase } from "../support/database.ts";

const CONNECTION = "Username-Password-Authentication";

/** The real repository, except that adding `failingEmail` inside a transaction throws. */
function failingOn(repo: Repository, failingEmail: string): Repository {
  return {
    ...repo,
    transaction: (work) =>
      repo.transaction((stores) =>
        work({
          ...stores,
          users: {
            ...stores.users,
            async add(connectionId, user) {
              if (user.email === failingEmail) throw new Error("the disk is on fire");
              return stores.users.add(connectionId, user);
            },
          },
        }),
      ),
  };
}

describe.each(backends)("importUsers on %s", (backend) => {
  let database: Awaited<ReturnType<typeof openMigratedDatabase>>;

  beforeAll(async () => {
    database = await openMigratedDatabase(backend);
  });

  afterAll(async () => {
    await database?.close();
  });

  async function findUser(email: string) {
    const connection = await database.repo.connections.findByName(CONNECTION);
    return database.repo.users.findByEmail(connection?.id ?? 0, email);
  }

  it("a failure half-way through the file leaves none of its rows", async () => {
    const rows = [
      { email: "first@example.com" },
      { email: "boom@example.com" },
      { email: "third@example.com" },
    ];
    await expect(
      importUsers(failingOn(database.repo, "boom@example.com"), CONNECTION, rows),
    ).rejects.toThrow("the disk is on fire");
    expect(await findUser("first@example.com")).toBeUndefined();

    expect(await importUsers(database.repo, CONNECTION, rows)).toEqual({
      ok: true,
      imported: 3,
      rejected: [],
    });
  });

  it("reports each rejected row by its index in the file, in file order", async () => {
    const result = await importUsers(database.repo, CONNECTION, [
      { email: "third@example.com" },
      { email: 42 },
      { email: "fourth@example.com", blocked: "yes" },
      "not an object",
      { email: "fifth@example.com" },
    ]);
    expect(result).toEqual({
      ok: true,
      imported: 1,
      rejected: [
        { index: 0, reason: "email: a user with this email already exists in the connection" },
        { index: 1, reason: "email: must be a string" },
        { index: 2, reason: expect.stringMatching(/^blocked: /) },
        { index: 3, reason: expect.stringMatching(/^row: /) },
      ],
    });
  });

  it("refuses a connection that does not exist, or whose users sign in elsewhere", async () => {
    await database.repo.connections.add({ name: "google", strategy: "google-oauth2" });
    expect(await importUsers(database.repo, "Nope", [])).toEqual({
      ok: false,
      reason: "connection_not_found",
    });
    expect(await importUsers(database.repo, "google", [])).toEqual({
      ok: false,
      reason: "not_database_connection",
    });
  });
});
