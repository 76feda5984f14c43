import argon2 from "argon2";
import { describe, expect, it } from "vitest";
import { fieldsOf, linesOf, runCli, setUpCliDatabase } from "../support/cli.ts";
import { backends } from "../support/database.ts";

const JANE_PASSWORD = "correct horse battery staple";
const STDIN_PASSWORD = "a passphrase that stays out of shell history";

describe.each(backends)("passdesk users on %s", (backend) => {
  const { passdesk, database } = setUpCliDatabase(backend);

  it("users add then users show round-trips the profile, with the email trimmed and lower-cased", async () => {
    const added = await passdesk(
      ...["users", "add", "--email", "  Jane.Doe@Example.COM ", "--password", JANE_PASSWORD],
      ...["--name", "Jane Doe", "--given-name", "Jane", "--family-name", "Doe"],
      ...["--nickname", "jd"],
    );
    expect(added).toEqual({
      code: 0,
      stdout: "added jane.doe@example.com to Username-Password-Authentication\n",
      stderr: "",
    });

    const shown = await passdesk("users", "show", "JANE.DOE@example.com");
    expect(shown.code).toBe(0);
    expect(shown.stderr).toBe("");
    expect(fieldsOf(shown.stdout)).toMatchObject({
      email: "jane.doe@example.com",
      connection: "Username-Password-Authentication",
      email_verified: "false",
      name: "Jane Doe",
      given_name: "Jane",
      family_name: "Doe",
      nickname: "jd",
      blocked: "false",
      has_password: "true",
      password_changed_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
  });

  it("users show prints a signed-up user's username, picture and user_metadata, the metadata as JSON", async () => {
    await passdesk("migrate");
    const { handle, repo } = await database().open();
    try {
      await repo.users.add(1, {
        email: "signed.up@example.com",
        username: "signedup",
        picture: "https://example.com/p.png",
        userMetadata: { note: "line one\nline two\u001b[31m" },
      });
    } finally {
      await handle.close();
    }
    const shown = await passdesk("users", "show", "signed.up@example.com");
    expect(fieldsOf(shown.stdout)).toMatchObject({
      username: "signedup",
      picture: "https://example.com/p.png",
      user_metadata: '{"note":"line one\\nline two\\u001b[31m"}',
    });
    expect(shown.stdout).not.toContain("\u001b");
    const plain = await passdesk("users", "show", "JANE.DOE@example.com");
    expect(fieldsOf(plain.stdout)).toMatchObject({
      username: "-",
      picture: "-",
      user_metadata: "-",
    });
  });

  it("users show never prints the password or its hash", async () => {
    const shown = await passdesk("users", "show", "jane.doe@example.com");
    expect(shown.stdout).not.toContain("$argon2");
    expect(shown.stdout).not.toContain(JANE_PASSWORD);
  });

  it("users add refuses a password that breaks the policy, naming the failing rule on one line", async () => {
    const result = await passdesk(
      "users",
      "add",
      "--email",
      "weak@example.com",
      "--password",
      // Random, so that only its length breaks the policy ("Tr0ub4dor&" is now predictable too).
      "vK9#qLm2$x",
    );
    expect(result.code).toBe(1);
    expect(result.stdout).toBe("");
    expect(linesOf(result.stderr)).toEqual([
      "passdesk: the password does not meet the policy: At least 15 characters",
    ]);
    const shown = await passdesk("users", "show", "weak@example.com");
    expect(shown.code).toBe(1);
    expect(linesOf(shown.stderr)).toEqual([
      "passdesk: no user with email weak@example.com in Username-Password-Authentication",
    ]);
  });

  it("users add refuses a password containing the user's name", async () => {
    const result = await passdesk(
      ...["users", "add", "--email", "sam@example.com", "--name", "Samantha Quill"],
      ...["--password", "quill-and-ink-forever"],
    );
    expect(result.code).toBe(1);
    expect(linesOf(result.stderr)).toEqual([
      "passdesk: the password does not meet the policy: Does not contain your name or email",
    ]);
  });

  it("users add --password - reads the password from standard input", async () => {
    const result = await runCli(
      database().env,
      ["users", "add", "--email", "stdin@example.com", "--password", "-"],
      { input: `${STDIN_PASSWORD}\n` },
    );
    expect(result).toMatchObject({ code: 0, stderr: "" });
    expect(result.stdout).toBe("added stdin@example.com to Username-Password-Authentication\n");
  });

  it("users add refuses an email already in the connection, whatever its case", async () => {
    const result = await passdesk(
      "users",
      "add",
      "--email",
      "JANE.doe@example.com",
      "--password",
      JANE_PASSWORD,
    );
    expect(result.code).toBe(1);
    expect(linesOf(result.stderr)).toEqual([
      "passdesk: a user with this email already exists in the connection",
    ]);
  });

  it("users add refuses an invalid email", async () => {
    const result = await passdesk(
      "users",
      "add",
      "--email",
      "jane.example.com",
      "--password",
      JANE_PASSWORD,
    );
    expect(result.code).toBe(1);
    expect(linesOf(result.stderr)).toEqual(["passdesk: the email address is not valid"]);
  });

  it("users add refuses a connection whose users sign in elsewhere, and an unknown connection", async () => {
    const google = await passdesk("connections", "add", "google", "--strategy", "google-oauth2");
    expect(google.code).toBe(0);

    const social = await passdesk(
      ...["users", "add", "--email", "g@example.com", "--password", JANE_PASSWORD],
      ...["--connection", "google"],
    );
    expect(social.code).toBe(1);
    expect(linesOf(social.stderr)).toEqual([
      "passdesk: the connection is not a database connection; its users cannot have a password here",
    ]);

    const unknown = await passdesk(
      ...["users", "add", "--email", "g@example.com", "--password", JANE_PASSWORD],
      ...["--connection", "Nope"],
    );
    expect(unknown.code).toBe(1);
    expect(linesOf(unknown.stderr)).toEqual(["passdesk: no such connection"]);
  });

  it("users block and users unblock are reflected by users show", async () => {
    const blocked = await passdesk("users", "block", "Jane.Doe@example.com");
    expect(blocked).toEqual({
      code: 0,
      stdout: "blocked jane.doe@example.com in Username-Password-Authentication\n",
      stderr: "",
    });
    expect(fieldsOf((await passdesk("users", "show", "jane.doe@example.com")).stdout).blocked).toBe(
      "true",
    );

    const unblocked = await passdesk("users", "unblock", "jane.doe@example.com");
    expect(unblocked.stdout).toBe(
      "unblocked jane.doe@example.com in Username-Password-Authentication\n",
    );
    expect(fieldsOf((await passdesk("users", "show", "jane.doe@example.com")).stdout).blocked).toBe(
      "false",
    );
  });

  it("users block refuses an unknown user with one line", async () => {
    const result = await passdesk("users", "block", "nobody@example.com");
    expect(result.code).toBe(1);
    expect(linesOf(result.stderr)).toEqual([
      "passdesk: no user with email nobody@example.com in Username-Password-Authentication",
    ]);
  });

  it("stores argon2id hashes of the passwords given, the stdin one without its newline", async () => {
    const { handle, repo } = await database().open();
    try {
      const connection = await repo.connections.findByName("Username-Password-Authentication");
      if (!connection) throw new Error("default connection missing");
      const jane = await repo.users.findByEmail(connection.id, "jane.doe@example.com");
      const stdin = await repo.users.findByEmail(connection.id, "stdin@example.com");
      expect(jane?.passwordHash).toMatch(/^\$argon2id\$/);
      expect(await argon2.verify(jane?.passwordHash ?? "", JANE_PASSWORD)).toBe(true);
      expect(await argon2.verify(stdin?.passwordHash ?? "", STDIN_PASSWORD)).toBe(true);
    } finally {
      await handle.close();
    }
  });
});
