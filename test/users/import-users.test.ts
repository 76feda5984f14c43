import argon2 from "argon2";
import bcryptjs from "bcryptjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Repository } from "../../src/db/stores.ts";
import { setPasswordByAdmin } from "../../src/password-reset/admin-set-password.ts";
import { canonicalizeArgon2Hash } from "../../src/passwords/argon2-phc.ts";
import { importUsers } from "../../src/users/import-users.ts";
import { createManualClock } from "../support/clock.ts";
import { backends, openMigratedDatabase } from "../support/database.ts";
import { verifyWithLibsodium } from "../support/libsodium.ts";
import { testHasher } from "../support/reset-fixture.ts";

const CONNECTION = "Username-Password-Authentication";
/** The example in PHP's password_verify documentation (password "rasmuslerdorf"). */
const PHP_BCRYPT_HASH = "$2y$10$.vGA1O9wmRjrwAVXD98HNOgsNpDczlqm3Jq7KnEd1rVAGv3Fykk1a";
const ARGON2_HASH =
  "$argon2id$v=19$m=1024,t=1,p=1$c2FsdHNhbHRzYWx0c2FsdA$xzMkZq5Xn0Xb5bN8lXyx2zr8GMyGBLTb1IBTWkENYgs";

function withHash(algorithm: string, value: string) {
  return { custom_password_hash: { algorithm, hash: { value } } };
}

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

  it("reports each rejected row by its position in the file, counting from 1, in file order", async () => {
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
        { row: 1, reason: "email: a user with this email already exists in the connection" },
        { row: 2, reason: "email: must be a string" },
        { row: 3, reason: expect.stringMatching(/^blocked: /) },
        { row: 4, reason: expect.stringMatching(/^row: /) },
      ],
    });
  });

  it("refuses a row holding a lone UTF-16 surrogate, naming the field, and imports the rest", async () => {
    const rows = JSON.parse(`[
      {"email": "lone-surrogate@example.com", "name": "Ada \\ud800"},
      {"email": "key@example.com", "nick\\udc00name": "x"},
      {"email": "hash@example.com", "custom_password_hash": {"algorithm": "bcrypt", "hash": {"value": "\\ud83d"}}},
      "\\udfff",
      {"email": "paired-surrogates@example.com", "name": "Ada \\ud83d\\ude00"}
    ]`);
    expect(await importUsers(database.repo, CONNECTION, rows)).toEqual({
      ok: true,
      imported: 1,
      rejected: [
        { row: 1, reason: "name: not well-formed Unicode" },
        { row: 2, reason: "nick\udc00name: not well-formed Unicode" },
        { row: 3, reason: "custom_password_hash.hash.value: not well-formed Unicode" },
        { row: 4, reason: "row: not well-formed Unicode" },
      ],
    });
    expect(await findUser("lone-surrogate@example.com")).toBeUndefined();
    expect((await findUser("paired-surrogates@example.com"))?.name).toBe("Ada \u{1f600}");
  });

  it("stores an argon2 hash in any parameter order as its canonical m,t,p string", async () => {
    const written = await argon2.hash("an imported passphrase", {
      type: argon2.argon2id,
      memoryCost: 1024,
      timeCost: 1,
      parallelism: 2,
    });
    const tpm = written.replace(/\$m=(\d+),p=(\d+),t=(\d+)\$/, "$t=$3,p=$2,m=$1$");
    const result = await importUsers(database.repo, CONNECTION, [
      { email: "mpt@example.com", ...withHash("argon2", written) },
      { email: "tpm@example.com", ...withHash("argon2", tpm) },
    ]);
    expect(result).toEqual({ ok: true, imported: 2, rejected: [] });
    const canonical = canonicalizeArgon2Hash(written);
    expect(canonical).toMatch(/^\$argon2id\$v=19\$m=1024,t=1,p=2\$/);
    expect((await findUser("mpt@example.com"))?.passwordHash).toBe(canonical);
    expect((await findUser("tpm@example.com"))?.passwordHash).toBe(canonical);
    expect(await verifyWithLibsodium(canonical ?? "", "an imported passphrase")).toBe(true);
  });

  it("stores bcrypt hashes ($2a$, $2b$, $2y$) as given", async () => {
    const made = bcryptjs.hashSync("an app's password", 10);
    const result = await importUsers(database.repo, CONNECTION, [
      { email: "bcrypt-2b@example.com", ...withHash("bcrypt", made) },
      { email: "bcrypt-2a@example.com", ...withHash("bcrypt", made.replace("$2b$", "$2a$")) },
      { email: "bcrypt-2y@example.com", ...withHash("bcrypt", PHP_BCRYPT_HASH) },
    ]);
    expect(result).toEqual({ ok: true, imported: 3, rejected: [] });
    expect((await findUser("bcrypt-2b@example.com"))?.passwordHash).toBe(made);
    expect((await findUser("bcrypt-2y@example.com"))?.passwordHash).toBe(PHP_BCRYPT_HASH);
  });

  const notBcrypt = /^custom_password_hash\.hash\.value: not a bcrypt hash /;
  const tooCostly = /^custom_password_hash\.hash\.value: the argon2 parameters cost more /;
  it.each([
    ["an argon2 hash labelled bcrypt", "bcrypt", ARGON2_HASH, notBcrypt],
    [
      "a bcrypt hash labelled argon2",
      "argon2",
      PHP_BCRYPT_HASH,
      /^custom_password_hash\.hash\.value: not an argon2 PHC string /,
    ],
    ["$2x$", "bcrypt", PHP_BCRYPT_HASH.replace("$2y$", "$2x$"), notBcrypt],
    ["a cost below 4", "bcrypt", PHP_BCRYPT_HASH.replace("$10$", "$03$"), notBcrypt],
    ["a one-digit cost", "bcrypt", PHP_BCRYPT_HASH.replace("$10$", "$9$"), notBcrypt],
    ["52 characters", "bcrypt", PHP_BCRYPT_HASH.slice(0, -1), notBcrypt],
    ["54 characters", "bcrypt", `${PHP_BCRYPT_HASH}a`, notBcrypt],
    [
      "a character outside bcrypt's base64",
      "bcrypt",
      PHP_BCRYPT_HASH.replace("1a", "1+"),
      notBcrypt,
    ],
    // The 22nd salt character carries 2 bits: "P" sets one of the 4 unused ones.
    ["unused salt bits set", "bcrypt", PHP_BCRYPT_HASH.replace("HNOgs", "HNPgs"), notBcrypt],
    [
      "a bcrypt cost of 15",
      "bcrypt",
      PHP_BCRYPT_HASH.replace("$10$", "$15$"),
      /^custom_password_hash\.hash\.value: the bcrypt cost is above 14, /,
    ],
    [
      "argon2 with 1 GiB of memory",
      "argon2",
      ARGON2_HASH.replace("m=1024,t=1", "m=1048576,t=1"),
      tooCostly,
    ],
    [
      "argon2 with 256 MiB and 5 passes",
      "argon2",
      ARGON2_HASH.replace("m=1024,t=1", "m=262144,t=5"),
      tooCostly,
    ],
    ["argon2 with 17 lanes", "argon2", ARGON2_HASH.replace("p=1", "p=17"), tooCostly],
    [
      "another algorithm",
      "sha256",
      "abc",
      /^custom_password_hash\.algorithm: algorithm must be "argon2" or "bcrypt"$/,
    ],
  ])("refuses %s, and imports nothing of that row", async (_, algorithm, value, reason) => {
    const email = `refused-${algorithm}-${value.length}@example.com`;
    const result = await importUsers(database.repo, CONNECTION, [
      { email, ...withHash(algorithm, value) },
    ]);
    expect(result).toEqual({
      ok: true,
      imported: 0,
      rejected: [{ row: 1, reason: expect.stringMatching(reason) }],
    });
    expect(await findUser(email)).toBeUndefined();
  });

  it("an imported bcrypt password counts as reused, and the next password set is stored as canonical argon2id", async () => {
    const oldPassword = "harbour kettle minnow sings";
    const imported = bcryptjs.hashSync(oldPassword, 10);
    await importUsers(database.repo, CONNECTION, [
      { email: "from-an-app@example.com", ...withHash("bcrypt", imported) },
    ]);
    const user = await findUser("from-an-app@example.com");
    const deps = { repo: database.repo, hasher: testHasher, clock: createManualClock() };
    const setPassword = (password: string) =>
      setPasswordByAdmin(deps, {
        target: { connection: CONNECTION, email: "from-an-app@example.com", userId: user?.id ?? 0 },
        mode: "type",
        password,
        confirmation: password,
        notify: false,
        actor: { teamId: "T1", userId: "U1" },
      });

    const reused = await setPassword(oldPassword);
    expect(reused).toMatchObject({ ok: false, reason: "rejected", mismatch: false });
    expect(
      !reused.ok &&
        reused.reason === "rejected" &&
        reused.rules.filter((verdict) => verdict.ok === false).map((verdict) => verdict.rule),
    ).toEqual(["history"]);
    expect((await findUser("from-an-app@example.com"))?.passwordHash).toBe(imported);

    expect(await setPassword("violet lanterns drift upstream")).toMatchObject({ ok: true });
    const stored = (await findUser("from-an-app@example.com"))?.passwordHash ?? "";
    expect(stored).toMatch(
      /^\$argon2id\$v=19\$m=1024,t=1,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/,
    );
    expect(canonicalizeArgon2Hash(stored)).toBe(stored);
    expect(testHasher.needsRehash(stored)).toBe(false);
    expect(await testHasher.verify(stored, "violet lanterns drift upstream")).toBe(true);
    // The bcrypt hash is still in the history: the old password stays refused.
    expect(await setPassword(oldPassword)).toMatchObject({ ok: false, reason: "rejected" });
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
