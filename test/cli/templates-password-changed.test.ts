import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_PASSWORD_CHANGED_TEMPLATE } from "../../src/email/template.ts";
import { fieldsOf, linesOf, runCli } from "../support/cli.ts";
import { backends, createTestDatabase, type TestDatabase } from "../support/database.ts";

const TEMPLATE = ["--template", "password_changed"];

/** The `key: value` lines `templates show` prints before the body. */
function headerOf(stdout: string): Record<string, string> {
  return fieldsOf(stdout.slice(0, stdout.indexOf("\nbody:\n")));
}

describe.each(backends)("passdesk templates --template password_changed on %s", (backend) => {
  let database: TestDatabase;
  const passdesk = (args: string[], input?: string) =>
    runCli(database.env, ["templates", ...args], {
      input,
      env: {
        USER: "alice",
        VISUAL: undefined,
        EDITOR: undefined,
        PUBLIC_URL: "https://passdesk.example.com",
        SUPPORT_EMAIL: "help@example.com",
        SUPPORT_URL: undefined,
      },
    });

  beforeAll(async () => {
    database = await createTestDatabase(backend);
  });

  afterAll(async () => {
    await database?.drop();
  });

  it("show prints the notice's own default, without the reset link's fields", async () => {
    const result = await passdesk(["show", ...TEMPLATE]);
    expect(result).toMatchObject({ code: 0, stderr: "" });
    expect(headerOf(result.stdout)).toEqual({
      from: "- (EMAIL_FROM)",
      subject: "Your {{ friendly_name }} password was changed",
      enabled: "true",
      version: "0 (built-in default)",
      updated_by: "-",
      updated_at: "-",
    });
    expect(result.stdout).toContain(`\nbody:\n${DEFAULT_PASSWORD_CHANGED_TEMPLATE.body}`);

    const lifetime = await passdesk(["show", ...TEMPLATE, "--field", "url_lifetime_seconds"]);
    expect(lifetime).toEqual({
      code: 1,
      stdout: "",
      stderr: "passdesk: password_changed has no url_lifetime_seconds: it has no reset link\n",
    });
  });

  it("preview renders it with changed_by, the time and a sample secure link", async () => {
    const result = await passdesk(["preview", ...TEMPLATE]);
    expect(result.code).toBe(0);
    const lines = linesOf(result.stdout);
    expect(lines.slice(0, 2)).toEqual([
      "From: Passdesk <no-reply@passdesk.local>",
      "Subject: Your Passdesk password was changed",
    ]);
    expect(result.stdout).toMatch(
      /was\s+changed\s+by\s+you\s+on\s+\d{1,2}\s+[A-Z][a-z]+\s+\d{4},\s+\d\d:\d\d\s+UTC\./,
    );
    expect(result.stdout).toContain(
      "https://passdesk.example.com/lo/secure?ticket=test-link-secures-nothing",
    );
    expect(result.stdout).toContain("help@example.com");
    expect(result.stdout).not.toContain("/lo/reset");
  });

  it("set saves the notice's subject and body as its version 1; the reset email stays at 0", async () => {
    const body = "<p>{{ user.email }}: changed by {{ changed_by }} at {{ time }}.</p>";
    const saved = await passdesk(
      ["set", ...TEMPLATE, "--subject", "Changed: {{ user.email }}", "--body-file", "-"],
      body,
    );
    expect(saved).toEqual({
      code: 0,
      stdout: "saved version 1 (changed: subject, body)\n",
      stderr: "",
    });
    expect((await passdesk(["show", ...TEMPLATE, "--field", "body"])).stdout).toBe(body);
    expect((await passdesk(["show", "--field", "version"])).stdout).toBe("0\n");
  });

  it("set refuses the reset link's flags and a misspelt variable", async () => {
    const lifetime = await passdesk(["set", ...TEMPLATE, "--url-lifetime", "600"]);
    expect(lifetime).toEqual({
      code: 1,
      stdout: "",
      stderr:
        "passdesk: the template was not saved: password_changed has no reset link (--url-lifetime, --redirect-to, --no-redirect and --include-email are for change_password)\n",
    });
    const misspelt = await passdesk(["set", ...TEMPLATE, "--subject", "{{ changed_bye }}"]);
    expect(misspelt.code).toBe(1);
    expect(linesOf(misspelt.stderr)[1]).toMatch(/^subject: Liquid error: undefined variable/);
  });

  it("--disable, history and revert work on the notice alone", async () => {
    expect((await passdesk(["set", ...TEMPLATE, "--disable"])).stdout).toBe(
      "saved version 2 (changed: enabled)\n",
    );
    const reverted = await passdesk(["revert", ...TEMPLATE, "0"]);
    expect(reverted).toEqual({
      code: 0,
      stdout: "reverted to version 0: saved version 3 (changed: subject, body, enabled)\n",
      stderr: "",
    });
    const history = await passdesk(["history", ...TEMPLATE]);
    const rows = linesOf(history.stdout).map((line) => line.split("\t"));
    expect(rows.map(([version, , who, changed]) => [version, who, changed])).toEqual([
      ["3", "cli:alice", "subject, body, enabled"],
      ["2", "cli:alice", "enabled"],
      ["1", "cli:alice", "subject, body"],
    ]);
    expect((await passdesk(["history"])).stdout).toBe(
      "no saved versions: the built-in default is in force\n",
    );
  });

  it("edit runs the editor on the notice's body", async () => {
    const result = await passdesk(["edit", ...TEMPLATE, "--editor", "sed -i s/Hello/Hi/"]);
    expect(result).toEqual({ code: 0, stdout: "saved version 4 (changed: body)\n", stderr: "" });
    const body = await passdesk(["show", ...TEMPLATE, "--field", "body"]);
    expect(body.stdout).toContain("was changed by {{ changed_by }}");
    expect(body.stdout).toContain('<p style="margin:0 0 16px;">Hi{% if user.name');
  });
});
