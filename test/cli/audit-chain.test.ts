import { describe, expect, it } from "vitest";
import { linesOf, runCli, setUpCliDatabase } from "../support/cli.ts";
import { backends } from "../support/database.ts";

describe.each(backends)("passdesk audit verify, anchor and export on %s", (backend) => {
  const { database, passdesk } = setUpCliDatabase(backend);

  /** Runs SQL on the database while no command holds it (PGlite has one owner at a time). */
  async function tamper(text: string): Promise<void> {
    const { handle } = await database().open();
    try {
      await handle.query(text, []);
    } finally {
      await handle.close();
    }
  }

  it("says an empty chain is empty", async () => {
    const anchor = await passdesk("audit", "anchor");
    expect(anchor.code).toBe(1);
    expect(linesOf(anchor.stderr)).toEqual(["passdesk: the audit chain is empty"]);
    const verify = await passdesk("audit", "verify");
    expect(verify).toMatchObject({ code: 0, stdout: "audit chain intact: 0 entries\n" });
  });

  let anchor = "";
  it("verifies the chain the commands wrote, and prints its head as an anchor", async () => {
    for (const user of ["U123ABC1", "U123ABC2", "U123ABC3", "U123ABC4"]) {
      expect((await passdesk("roles", "grant", user, "support")).code).toBe(0);
    }
    const added = await runCli(
      database().env,
      ["users", "add", "--email", "ocsf@example.com", "--password", "-"],
      { input: "a long and unusual passphrase\n" },
    );
    expect(added.code).toBe(0);
    const printed = await passdesk("audit", "anchor");
    expect(printed.code).toBe(0);
    anchor = printed.stdout.trim();
    expect(anchor).toMatch(/^5:[0-9a-f]{64}$/);
    const verify = await passdesk("audit", "verify", "--anchor", anchor);
    expect(verify).toEqual({
      code: 0,
      stdout: `audit chain intact: 5 entries, head ${anchor}\n`,
      stderr: "",
    });
  });

  it("exports every entry as JSON lines with its position and hash, from an id on", async () => {
    const all = await passdesk("audit", "export");
    expect(all.code).toBe(0);
    const lines = linesOf(all.stdout).map((line) => JSON.parse(line));
    expect(lines.map((line) => line.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(lines.at(-1)).toMatchObject({
      action: "user.created",
      target_email: "ocsf@example.com",
      actor: { type: "cli" },
      hash: anchor.split(":")[1],
    });
    const since = await passdesk("audit", "export", "--since", String(lines[2].id));
    expect(linesOf(since.stdout).map((line) => JSON.parse(line).seq)).toEqual([4, 5]);
  });

  it("exports OCSF events: an account created is class 3001, a role grant 3005", async () => {
    const result = await passdesk("audit", "export", "--format", "ocsf");
    expect(result.code).toBe(0);
    const events = linesOf(result.stdout).map((line) => JSON.parse(line));
    expect(events[0]).toMatchObject({ class_uid: 3005, activity_id: 1, type_uid: 300501 });
    expect(events[4]).toMatchObject({
      class_uid: 3001,
      activity_id: 1,
      type_uid: 300101,
      user: { email_addr: "ocsf@example.com" },
      unmapped: { chain: { seq: 5 } },
    });
  });

  it("refuses a format or an anchor it does not know, in one line", async () => {
    const format = await passdesk("audit", "export", "--format", "xml");
    expect(format.code).toBe(1);
    expect(linesOf(format.stderr)).toEqual([
      'passdesk: --format must be one of jsonl, ocsf, got "xml"',
    ]);
    const bad = await passdesk("audit", "verify", "--anchor", "five");
    expect(bad.code).toBe(1);
    expect(linesOf(bad.stderr)).toEqual([
      'passdesk: --anchor must be SEQ:HASH as printed by "passdesk audit anchor"',
    ]);
  });

  it("exits 1 naming the entry that was edited", async () => {
    await tamper("update audit_log set actor_id = 'someone-else' where chain_seq = 2");
    const verify = await passdesk("audit", "verify");
    expect(verify.code).toBe(1);
    expect(linesOf(verify.stderr)).toEqual([
      expect.stringMatching(
        /^passdesk: audit chain broken after 1 intact entries: entry \d+ \(position 2\) does not match its hash/,
      ),
    ]);
  });

  it("with the anchor, exits 1 when the newest entries were deleted", async () => {
    await tamper("delete from audit_log where chain_seq >= 2");
    expect((await passdesk("audit", "verify")).code).toBe(0);
    const verify = await passdesk("audit", "verify", "--anchor", anchor);
    expect(verify.code).toBe(1);
    expect(verify.stderr).toContain("the chain ends at 1: the newest entries were deleted");
  });
});
