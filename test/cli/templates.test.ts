import { readFile, rm } from "node:fs/promises";
import { dirname } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_CHANGE_PASSWORD_TEMPLATE } from "../../src/email/template.ts";
import { fieldsOf, linesOf, runCli } from "../support/cli.ts";
import { backends, createTestDatabase, type TestDatabase } from "../support/database.ts";

// Nothing listens on port 1: a command that touched the database would fail loudly.
const UNREACHABLE = { DATABASE_URL: "postgres://postgres@127.0.0.1:1/passdesk" };

const SUBCOMMANDS = ["show", "set", "edit", "history", "revert", "preview"];

/** The `key: value` lines `templates show` prints before the body. */
function headerOf(stdout: string): Record<string, string> {
  return fieldsOf(stdout.slice(0, stdout.indexOf("\nbody:\n")));
}

describe.each(backends)("passdesk templates on %s", (backend) => {
  let database: TestDatabase;
  const passdesk = (args: string[], input?: string, env: Record<string, string> = {}) =>
    runCli(database.env, ["templates", ...args], {
      input,
      env: {
        USER: "alice",
        VISUAL: undefined,
        EDITOR: undefined,
        PUBLIC_URL: "https://passdesk.example.com",
        SUPPORT_EMAIL: undefined,
        SUPPORT_URL: undefined,
        ...env,
      },
    });

  beforeAll(async () => {
    database = await createTestDatabase(backend);
  });

  afterAll(async () => {
    await database?.drop();
  });

  it("show prints every field of the built-in default, version 0, then the body", async () => {
    const result = await passdesk(["show"]);
    expect(result).toMatchObject({ code: 0, stderr: "" });
    expect(headerOf(result.stdout)).toEqual({
      from: "- (EMAIL_FROM)",
      subject: "Reset your {{ friendly_name }} password",
      url_lifetime_seconds: "432000 (5 days)",
      result_url: "-",
      include_email_in_redirect: "true",
      enabled: "true",
      version: "0 (built-in default)",
      updated_by: "-",
      updated_at: "-",
    });
    expect(result.stdout).toContain(`\nbody:\n${DEFAULT_CHANGE_PASSWORD_TEMPLATE.body}`);
  });

  it("show --field body round-trips through set --body-file, which saves nothing unchanged", async () => {
    const shown = await passdesk(["show", "--field", "body"]);
    expect(shown).toEqual({ code: 0, stdout: DEFAULT_CHANGE_PASSWORD_TEMPLATE.body, stderr: "" });

    const again = await passdesk(["set", "--body-file", "-"], shown.stdout);
    expect(again).toEqual({
      code: 1,
      stdout: "",
      stderr: "passdesk: the template was not saved: nothing would change\n",
    });
  });

  it("set saves the subject and a body from standard input as version 1", async () => {
    const body = DEFAULT_CHANGE_PASSWORD_TEMPLATE.body.replace(
      "Reset your password",
      "New password",
    );
    const saved = await passdesk(
      ["set", "--subject", "Your {{ tenant }} link", "--body-file", "-"],
      body,
    );
    expect(saved).toEqual({
      code: 0,
      stdout: "saved version 1 (changed: subject, body)\n",
      stderr: "",
    });
    const shown = await passdesk(["show"]);
    expect(headerOf(shown.stdout)).toMatchObject({
      subject: "Your {{ tenant }} link",
      version: "1",
      updated_by: "cli:alice",
    });
    expect(shown.stdout).toContain(`\nbody:\n${body}`);
  });

  it("set refuses bad Liquid, a body without {{ url }}, a bad redirect and a bad lifetime at once", async () => {
    const result = await passdesk(
      [
        "set",
        "--subject",
        "{% if %}",
        "--body-file",
        "-",
        "--redirect-to",
        "http://app.example.com/",
        "--url-lifetime",
        "60",
      ],
      "<p>Hello {{ user.name }}</p>",
    );
    expect(result.code).toBe(1);
    expect(result.stdout).toBe("");
    expect(linesOf(result.stderr)).toEqual([
      "passdesk: the template was not saved: 4 problems",
      expect.stringMatching(/^subject: Liquid error: /),
      "body: must contain {{ url }}, the reset link",
      "result_url: must be an absolute https:// URL (http:// only for localhost)",
      "url_lifetime_seconds: must be a whole number of seconds from 300 (5 minutes) to 2592000 (30 days)",
    ]);
  });

  it("set refuses a stale --base-version", async () => {
    const stale = await passdesk(["set", "--base-version", "0", "--disable"]);
    expect(stale.code).toBe(1);
    expect(linesOf(stale.stderr)).toEqual([
      'passdesk: the template was not saved: it was changed to version 1 by cli:alice after version 0; look again with "passdesk templates show"',
    ]);
  });

  it("edit runs the editor on the body and saves the result as a new version", async () => {
    const result = await passdesk(["edit", "--editor", "sed -i s/Hello/Hi/"]);
    expect(result).toEqual({ code: 0, stdout: "saved version 2 (changed: body)\n", stderr: "" });
    const body = await passdesk(["show", "--field", "body"]);
    expect(body.stdout).toContain('<p style="margin:0 0 16px;">Hi{% if user.name');
    expect(body.stdout).not.toContain("Hello");
  });

  it("edit that breaks the body saves nothing and keeps the edit in a file", async () => {
    const result = await passdesk(["edit", "--editor", "sed -i 's/{{ url }}/#/g'"]);
    expect(result.code).toBe(1);
    const lines = linesOf(result.stderr);
    expect(lines.slice(0, 2)).toEqual([
      "passdesk: the template was not saved: 1 problem",
      "body: must contain {{ url }}, the reset link",
    ]);
    const kept = /^your edit is kept in (\S+) /.exec(lines[2] ?? "")?.[1];
    expect(kept).toBeDefined();
    expect(await readFile(kept as string, "utf8")).toContain('href="#"');
    await rm(dirname(kept as string), { recursive: true });
  });

  it("history lists versions newest first with who and the changed fields; revert adds one", async () => {
    const reverted = await passdesk(["revert", "1"]);
    expect(reverted).toEqual({
      code: 0,
      stdout: "reverted to version 1: saved version 3 (changed: body)\n",
      stderr: "",
    });
    const history = await passdesk(["history"]);
    expect(history.code).toBe(0);
    const rows = linesOf(history.stdout).map((line) => line.split("\t"));
    expect(rows.map(([version, , who, changed]) => [version, who, changed])).toEqual([
      ["3", "cli:alice", "body"],
      ["2", "cli:alice", "body"],
      ["1", "cli:alice", "subject, body"],
    ]);
    for (const row of rows) expect(row[1]).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z$/);
  });

  it("preview renders the subject and the text part with sample data and a sample link", async () => {
    const result = await passdesk(["preview"]);
    expect(result.code).toBe(0);
    const lines = linesOf(result.stdout);
    expect(lines.slice(0, 3)).toEqual([
      "From: Passdesk <no-reply@passdesk.local>",
      "Subject: Your passdesk link",
      "New password",
    ]);
    expect(result.stdout).toContain("Hello Jane Doe,");
    expect(result.stdout).toContain(
      "https://passdesk.example.com/lo/reset?ticket=test-link-does-not-reset",
    );
    expect(result.stdout).not.toContain("<p");
  });

  it("preview shows the support lines exactly as a real email would: none when unset", async () => {
    const unset = await passdesk(["preview"]);
    expect(unset.stdout).not.toContain("Need help");
    expect(unset.stdout).not.toContain("Write to");
    const set = await passdesk(["preview"], undefined, {
      SUPPORT_EMAIL: "help@corp.example",
      SUPPORT_URL: "https://corp.example/help",
    });
    expect(set.stdout.replace(/\s+/g, " ")).toContain(
      "Need help? Write to help@corp.example. Visit https://corp.example/help.",
    );
  });
});

describe("passdesk templates --help", () => {
  const commands = [[], ...SUBCOMMANDS.map((name) => [name])];
  it.concurrent.each(commands.map((command) => [command.join(" ") || "(no subcommand)", command]))(
    "passdesk templates %s --help prints usage without opening the database",
    async (_name, command) => {
      const result = await runCli(UNREACHABLE, ["templates", ...command, "--help"]);
      expect(result).toMatchObject({ code: 0, stderr: "" });
      expect(result.stdout).toContain(`Usage: passdesk templates ${command.join(" ")}`.trimEnd());
    },
  );
});

describe("passdesk templates set without a field", () => {
  it("is refused with one line before the database is opened", async () => {
    const result = await runCli(UNREACHABLE, ["templates", "set"]);
    expect(result).toEqual({
      code: 1,
      stdout: "",
      stderr: "passdesk: the template was not saved: no field to change was given (see --help)\n",
    });
  });
});
