import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import argon2 from "argon2";
import bcryptjs from "bcryptjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createArgon2Hasher } from "../../src/passwords/argon2-hasher.ts";
import { canonicalizeArgon2Hash } from "../../src/passwords/argon2-phc.ts";
import { fieldsOf, linesOf, runCli } from "../support/cli.ts";
import { backends, createTestDatabase, type TestDatabase } from "../support/database.ts";
import { verifyWithLibsodium } from "../support/libsodium.ts";

function argon2Hash(password: string): Promise<string> {
  return argon2.hash(password, { type: argon2.argon2id, memoryCost: 19456, timeCost: 2 });
}

/** Auth0's exports order argon2's parameters m,t,p; node's argon2 package writes m,p,t. */
function inAuth0Order(hash: string): string {
  return hash.replace(/\$m=(\d+),p=(\d+),t=(\d+)\$/, "$m=$1,t=$3,p=$2$");
}

function withHash(value: string, algorithm = "argon2") {
  return { custom_password_hash: { algorithm, hash: { value } } };
}

describe.each(backends)("passdesk users import on %s", (backend) => {
  let database: TestDatabase;
  let dir: string;
  let aliceHash: string;
  const harryHash = bcryptjs.hashSync("harry's passphrase from an app", 10);
  const passdesk = (...args: string[]) => runCli(database.env, args);

  async function importFile(name: string, rows: unknown, ...options: string[]) {
    const file = join(dir, name);
    await writeFile(file, typeof rows === "string" ? rows : JSON.stringify(rows, null, 2));
    return passdesk("users", "import", file, ...options);
  }

  beforeAll(async () => {
    [database, dir, aliceHash] = await Promise.all([
      createTestDatabase(backend),
      mkdtemp(join(tmpdir(), "passdesk-import-")),
      argon2Hash("alice's imported passphrase"),
    ]);
  });

  afterAll(async () => {
    await database?.drop();
    await rm(dir, { recursive: true, force: true });
  });

  it("imports the good rows of an Auth0 export and reports each bad row by its number from 1, exiting 1", async () => {
    const result = await importFile("export.json", [
      {
        email: "alice@example.com",
        email_verified: true,
        name: "Alice Liddell",
        given_name: "Alice",
        family_name: "Liddell",
        nickname: "al",
        ...withHash(aliceHash),
      },
      { name: "No Email", ...withHash(aliceHash) },
      { email: "not-an-email", ...withHash(aliceHash) },
      { email: "  Bob@Example.COM " },
      { email: "ALICE@example.com", ...withHash(aliceHash) },
      { email: "carol@example.com", ...withHash("$2b$10$abcdefghijklmnopqrstuv", "bcrypt") },
      { email: "dan@example.com", ...withHash("$argon2id$v=19$not-a-hash") },
      {
        email: "erin@example.com",
        blocked: true,
        ...withHash(inAuth0Order(await argon2Hash("erin's passphrase"))),
      },
      { email: "harry@example.com", ...withHash(harryHash, "bcrypt") },
      { email: "ivy@example.com", ...withHash("0123456789abcdef", "md5") },
    ]);

    expect(result.code).toBe(1);
    expect(linesOf(result.stdout)).toEqual([
      "imported 4 users into Username-Password-Authentication; rejected 6",
    ]);
    expect(linesOf(result.stderr)).toEqual([
      "row 2: email: is missing",
      "row 3: email: not a valid email address",
      "row 5: email: appears earlier in the file",
      "row 6: custom_password_hash.hash.value: not a bcrypt hash ($2a$, $2b$ or $2y$, a two-digit cost, 53 characters)",
      "row 7: custom_password_hash.hash.value: not an argon2 PHC string ($argon2id$v=19$m=…,t=…,p=…$salt$digest, parameters in any order)",
      'row 10: custom_password_hash.algorithm: algorithm must be "argon2" or "bcrypt"',
    ]);
  });

  it("keeps the imported profile, verification, block and password state", async () => {
    const alice = fieldsOf((await passdesk("users", "show", "alice@example.com")).stdout);
    expect(alice).toMatchObject({
      email: "alice@example.com",
      email_verified: "true",
      name: "Alice Liddell",
      given_name: "Alice",
      family_name: "Liddell",
      nickname: "al",
      blocked: "false",
      has_password: "true",
    });
    const bob = fieldsOf((await passdesk("users", "show", "bob@example.com")).stdout);
    expect(bob).toMatchObject({ email: "bob@example.com", has_password: "false" });
    const erin = fieldsOf((await passdesk("users", "show", "erin@example.com")).stdout);
    expect(erin).toMatchObject({ blocked: "true", has_password: "true" });
  });

  it("rejects a good row whose email is already in the database and imports the rest", async () => {
    const result = await importFile("second.json", [
      { email: "frank@example.com" },
      { email: "Alice@Example.com", ...withHash(aliceHash) },
    ]);
    expect(result.code).toBe(1);
    expect(linesOf(result.stderr)).toEqual([
      "row 2: email: a user with this email already exists in the connection",
    ]);
    expect(linesOf(result.stdout)).toEqual([
      "imported 1 users into Username-Password-Authentication; rejected 1",
    ]);
    expect((await passdesk("users", "show", "frank@example.com")).code).toBe(0);
  });

  it("reports a row holding a lone UTF-16 surrogate by its field, and imports the rest", async () => {
    const result = await importFile(
      "surrogates.json",
      '[{"email": "kim@example.com", "nickname": "\\udc00"}, {"email": "lee@example.com"}]',
    );
    expect(result.code).toBe(1);
    expect(linesOf(result.stderr)).toEqual(["row 1: nickname: not well-formed Unicode"]);
    expect(linesOf(result.stdout)).toEqual([
      "imported 1 users into Username-Password-Authentication; rejected 1",
    ]);
  });

  it("exits 0 when every row is imported", async () => {
    const result = await importFile("clean.json", [{ email: "gina@example.com" }]);
    expect(result).toEqual({
      code: 0,
      stdout: "imported 1 users into Username-Password-Authentication; rejected 0\n",
      stderr: "",
    });
  });

  it.each([
    [
      "a file that is not JSON",
      "bad.json",
      "{ nope",
      (file: string) => `${file} is not valid JSON`,
    ],
    [
      "a JSON object instead of an array",
      "object.json",
      '{"users": []}',
      () => "the file must hold a JSON array of users (Auth0's bulk import format)",
    ],
  ])("refuses %s with one line", async (_what, name, content, message) => {
    const result = await importFile(name, content);
    expect(result.code).toBe(1);
    expect(linesOf(result.stderr)).toEqual([`passdesk: ${message(join(dir, name))}`]);
  });

  it("refuses a missing file and an unknown connection with one line each", async () => {
    const missing = await passdesk("users", "import", join(dir, "missing.json"));
    expect(missing.code).toBe(1);
    expect(linesOf(missing.stderr)).toEqual([
      `passdesk: cannot read ${join(dir, "missing.json")}: ENOENT`,
    ]);

    const unknown = await importFile(
      "to-nowhere.json",
      [{ email: "x@example.com" }],
      "--connection",
      "Nope",
    );
    expect(unknown.code).toBe(1);
    expect(linesOf(unknown.stderr)).toEqual(["passdesk: no such connection"]);
  });

  it("stores argon2 hashes as canonical m,t,p strings and bcrypt ones as given, so passwords keep working", async () => {
    const { handle, repo } = await database.open();
    try {
      const connection = await repo.connections.findByName("Username-Password-Authentication");
      const find = (email: string) => repo.users.findByEmail(connection?.id ?? 0, email);
      const hasher = createArgon2Hasher();
      // node-argon2 wrote alice's as m,p,t; erin's came in Auth0's m,t,p.
      const alice = (await find("alice@example.com"))?.passwordHash ?? "";
      expect(aliceHash).toMatch(/\$m=19456,p=4,t=2\$/);
      expect(alice).toBe(canonicalizeArgon2Hash(aliceHash));
      expect(alice).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=4\$/);
      expect(await hasher.verify(alice, "alice's imported passphrase")).toBe(true);
      expect(await verifyWithLibsodium(alice, "alice's imported passphrase")).toBe(true);
      const erin = (await find("erin@example.com"))?.passwordHash ?? "";
      expect(erin).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=4\$/);
      expect(await hasher.verify(erin, "erin's passphrase")).toBe(true);
      const harry = (await find("harry@example.com"))?.passwordHash ?? "";
      expect(harry).toBe(harryHash);
      expect(await hasher.verify(harry, "harry's passphrase from an app")).toBe(true);
      expect(hasher.needsRehash(harry)).toBe(true);
      const imported = await Promise.all(
        ["dan@example.com", "carol@example.com", "ivy@example.com", "x@example.com"].map(find),
      );
      expect(imported).toEqual([undefined, undefined, undefined, undefined]);
    } finally {
      await handle.close();
    }
  });
});
