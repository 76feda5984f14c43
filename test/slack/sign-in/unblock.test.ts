import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createRepository } from "../../../src/db/stores.ts";
import { ACTION_IDS } from "../../../src/slack/contract.ts";
import { failSignIns } from "../../support/brute-force.ts";
import { backends } from "../../support/database.ts";
import { createTestUser } from "../../support/reset-fixture.ts";
import {
  SLACK,
  type SlackPassdesk,
  STAFF,
  startSlackPassdesk,
} from "../../support/slack-passdesk.ts";

const BLOCKED = "blocked sign-in after too many failed attempts";

describe.each(backends)("sign-in blocks in Slack on %s", (backend) => {
  let slack: SlackPassdesk;

  beforeAll(async () => {
    slack = await startSlackPassdesk(backend, {
      async seed(repo) {
        await createTestUser(repo, "jane@example.com");
        await createTestUser(repo, "kim@example.com");
      },
    });
  });
  afterAll(async () => {
    await slack?.close();
  });
  beforeEach(() => slack.fake.reset());

  async function block(email: string, ip: string) {
    // The server's repository marks these rows for the channel; the inspection's does not.
    await slack.inspect((_repo, _db, handle) =>
      failSignIns(createRepository(handle, { shouldPostAudit: () => true }), {
        email,
        ip,
        times: 10,
        at: slack.clock.now(),
      }),
    );
    return slack.waitForAuditMessage(`${BLOCKED} for ${email[0]}•••@example.com`);
  }

  it("posts the block with the email masked, the IP, the count and an Unblock button", async () => {
    const message = await block("jane@example.com", "192.0.2.10");
    expect(message.args.text).toBe(`Passdesk ${BLOCKED} for j•••@example.com (blocked)`);
    const blocks = JSON.stringify(message.args.blocks);
    expect(blocks).toContain("*IP*\\n192.0.2.10");
    expect(blocks).toContain("*Count*\\n10");
    expect(blocks).toContain(`"action_id":"${ACTION_IDS.unblockSignIn}"`);
    expect(blocks).toMatch(/"value":"blk_[\w-]+"/);
    expect(blocks).not.toContain("jane@example.com");
  });

  it("Unblock lifts the block for support, refuses a user without a role, and is audited", async () => {
    const message = await block("kim@example.com", "198.51.100.4");
    const blockId = String(JSON.stringify(message.args.blocks).match(/blk_[\w-]+/)?.[0]);
    const click = (userId: string, responseId: string) =>
      slack.action({
        userId,
        teamId: SLACK.teamId,
        actionId: ACTION_IDS.unblockSignIn,
        blockId: "unblock",
        value: blockId,
        responseUrl: slack.fake.responseUrl(responseId),
      });

    expect((await click(STAFF.nobody, "unblock-denied")).status).toBe(200);
    const denied = await slack.fake.waitForResponse("unblock-denied");
    expect(JSON.stringify(denied.body)).toContain("support");
    await slack.waitForAuditMessage("<@U0NOBODY> was denied access");

    const locked = await (
      await slack.command(STAFF.support, "/reset-password", "kim@example.com")
    ).reply();
    expect(locked.text).toContain(":lock: They are locked out of sign-in from one IP address");

    expect((await click(STAFF.support, "unblock-ok")).status).toBe(200);
    const answered = await slack.fake.waitForResponse("unblock-ok");
    expect((answered.body as { text: string }).text).toBe(
      ":unlock: Sign-in unblocked for *k•••@example.com* from `198.51.100.4`.",
    );
    await slack.waitForAuditMessage("<@U0SUPPORT> unblocked sign-in for k•••@example.com");
    const counts = await slack.inspect((repo) => repo.signInFailures.list(1, "kim@example.com"));
    expect(counts).toEqual([]);

    const unlocked = await (
      await slack.command(STAFF.support, "/reset-password", "kim@example.com")
    ).reply();
    expect(unlocked.text).not.toContain("locked out");
  });
});
