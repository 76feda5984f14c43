import { describe, expect, it } from "vitest";
import { linesOf, setUpCliDatabase } from "../support/cli.ts";
import { backends } from "../support/database.ts";

const PASSWORD = "an audited but secret passphrase";

describe.each(backends)("passdesk roles and audit on %s", (backend) => {
  const { passdesk } = setUpCliDatabase(backend);

  it("roles list says there are no grants in a new database", async () => {
    const result = await passdesk("roles", "list");
    expect(result).toEqual({
      code: 0,
      stdout: "no role grants (SLACK_ADMIN_USERS still names bootstrap admins)\n",
      stderr: "",
    });
  });

  it("roles grant without --team grants in every workspace, and again is harmless", async () => {
    const first = await passdesk("roles", "grant", "U123ABC", "admin");
    expect(first).toEqual({
      code: 0,
      stdout: "granted admin to U123ABC in every workspace\n",
      stderr: "",
    });
    const again = await passdesk("roles", "grant", "U123ABC", "admin");
    expect(again).toEqual({
      code: 0,
      stdout: "already granted: admin to U123ABC in every workspace\n",
      stderr: "",
    });
  });

  it("roles list shows grants in every workspace and in one team", async () => {
    const grant = await passdesk("roles", "grant", "W0SUPPORT", "support", "--team", "T0TEAM1");
    expect(grant.stdout).toBe("granted support to W0SUPPORT in team T0TEAM1\n");
    const list = await passdesk("roles", "list");
    expect(list.code).toBe(0);
    expect(linesOf(list.stdout)).toEqual([
      "U123ABC\tadmin\tevery workspace",
      "W0SUPPORT\tsupport\tteam T0TEAM1",
    ]);
  });

  it("roles revoke removes a grant, and refuses one that does not exist", async () => {
    const revoked = await passdesk("roles", "revoke", "U123ABC", "admin");
    expect(revoked).toEqual({
      code: 0,
      stdout: "revoked admin from U123ABC in every workspace\n",
      stderr: "",
    });
    const again = await passdesk("roles", "revoke", "U123ABC", "admin");
    expect(again.code).toBe(1);
    expect(linesOf(again.stderr)).toEqual([
      "passdesk: U123ABC has no admin grant in every workspace",
    ]);
    const list = await passdesk("roles", "list");
    expect(linesOf(list.stdout)).toEqual(["W0SUPPORT\tsupport\tteam T0TEAM1"]);
  });

  it.each([
    [["u123abc", "admin"], 'SLACK_USER_ID must look like U0123ABCD, got "u123abc"'],
    [
      ["jane@example.com", "admin"],
      'SLACK_USER_ID must look like U0123ABCD, got "jane@example.com"',
    ],
    [["U123ABC", "owner"], 'role must be one of admin, support, got "owner"'],
    [
      ["U123ABC", "admin", "--team", "acme"],
      '--team must be a Slack team ID like T0123ABCD, got "acme"',
    ],
  ])("roles grant %j is refused with one line", async (args, message) => {
    const result = await passdesk("roles", "grant", ...args);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe("");
    expect(linesOf(result.stderr)).toEqual([`passdesk: ${message}`]);
  });

  it("audit tail -n 5 shows the last five recorded actions, oldest first, without secrets", async () => {
    const added = await passdesk(
      "users",
      "add",
      "--email",
      "oscar@example.com",
      "--password",
      PASSWORD,
    );
    expect(added).toMatchObject({ code: 0, stderr: "" });
    const blocked = await passdesk("users", "block", "oscar@example.com");
    expect(blocked).toMatchObject({ code: 0, stderr: "" });

    const result = await passdesk("audit", "tail", "-n", "5");
    expect(result.code).toBe(0);
    expect(result.stderr).toBe("");
    const lines = linesOf(result.stdout);
    expect(lines).toHaveLength(5);
    expect(lines).toEqual([
      expect.stringMatching(/\bcli\b.*\s+role\.granted\s+unchanged\s/),
      expect.stringMatching(/\brole\.granted\s+success\s.*"teamId":"T0TEAM1"/),
      expect.stringMatching(/\brole\.revoked\s+success\s.*"slackUserId":"U123ABC"/),
      expect.stringMatching(
        /\buser\.created\s+success\s+oscar@example\.com\s+Username-Password-Authentication$/,
      ),
      expect.stringMatching(/\buser\.blocked\s+success\s+oscar@example\.com\s/),
    ]);
    for (const line of lines) expect(line).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z {2}cli/);
    expect(result.stdout).not.toContain(PASSWORD);
    expect(result.stdout).not.toContain("$argon2");
  });

  it("audit tail shows at most the 20 newest entries by default and refuses -n 0", async () => {
    const all = await passdesk("audit", "tail");
    expect(linesOf(all.stdout)).toHaveLength(6);
    const zero = await passdesk("audit", "tail", "-n", "0");
    expect(zero.code).toBe(1);
    expect(linesOf(zero.stderr)).toEqual([
      'passdesk: -n must be a whole number from 1 to 10000, got "0"',
    ]);
  });
});
