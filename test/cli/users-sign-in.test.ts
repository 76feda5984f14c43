import { describe, expect, it } from "vitest";
import { failSignIns } from "../support/brute-force.ts";
import { linesOf, setUpCliDatabase } from "../support/cli.ts";
import { backends } from "../support/database.ts";

const CONNECTION = "Username-Password-Authentication";

describe.each(backends)("passdesk users blocks and unblock-ip on %s", (backend) => {
  const { passdesk, database } = setUpCliDatabase(backend);

  async function fail(email: string, ip: string, times: number) {
    const { handle, repo } = await database().open();
    try {
      await failSignIns(repo, { email, ip, times });
    } finally {
      await handle.close();
    }
  }

  it("users blocks lists the counts per IP, blocked or not", async () => {
    await fail("jane@example.com", "192.0.2.1", 10);
    await fail("jane@example.com", "2001:db8::7", 3);
    const result = await passdesk("users", "blocks", "Jane@Example.com");
    expect(result).toMatchObject({ code: 0, stderr: "" });
    expect(linesOf(result.stdout)).toEqual([
      expect.stringMatching(/^2001:db8::\/64\tfailures: 3\tlast: \S+Z\tnot blocked$/),
      expect.stringMatching(/^192\.0\.2\.1\tfailures: 10\tlast: \S+Z\tblocked since \S+Z$/),
    ]);
    const none = await passdesk("users", "blocks", "nobody@example.com");
    expect(none.stdout).toBe(`no failed sign-ins for nobody@example.com in ${CONNECTION}\n`);
  });

  it("users unblock-ip lifts one IP's block, or all, and is audited as the CLI", async () => {
    await fail("kim@example.com", "192.0.2.1", 10);
    await fail("kim@example.com", "192.0.2.2", 10);
    const one = await passdesk("users", "unblock-ip", "kim@example.com", "192.0.2.2");
    expect(one).toEqual({
      code: 0,
      stdout: `unblocked sign-in for kim@example.com in ${CONNECTION} from 192.0.2.2 (1 block lifted)\n`,
      stderr: "",
    });
    expect(linesOf((await passdesk("users", "blocks", "kim@example.com")).stdout)).toEqual([
      expect.stringMatching(/^192\.0\.2\.1\t/),
    ]);
    const all = await passdesk("users", "unblock-ip", "kim@example.com");
    expect(all.stdout).toBe(
      `unblocked sign-in for kim@example.com in ${CONNECTION} (1 block lifted)\n`,
    );
    const again = await passdesk("users", "unblock-ip", "kim@example.com");
    expect(again.stdout).toBe(
      `kim@example.com was not blocked in ${CONNECTION}; failed-attempt counts cleared\n`,
    );
    const audit = linesOf((await passdesk("audit", "tail", "-n", "3")).stdout);
    expect(audit).toEqual([
      expect.stringMatching(
        /\bcli\b.*\bsign_in\.unblocked\s+unblocked\s+kim@example\.com\s.*"ip":"192\.0\.2\.2"/,
      ),
      expect.stringMatching(/\bsign_in\.unblocked\s+unblocked\s+kim@example\.com\s.*"ip":"all"/),
      expect.stringMatching(/\bsign_in\.unblocked\s+not_blocked\s+kim@example\.com\s/),
    ]);
  });

  it("refuses an unknown connection", async () => {
    const result = await passdesk("users", "unblock-ip", "kim@example.com", "--connection", "nope");
    expect(result.code).toBe(1);
    expect(linesOf(result.stderr)).toEqual(["passdesk: no such connection: nope"]);
  });
});
