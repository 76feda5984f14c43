import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ACTION_IDS } from "../../../src/slack/contract.ts";
import { backends } from "../../support/database.ts";
import { createTestUser } from "../../support/reset-fixture.ts";
import { createEventSigner, sendGridEvent } from "../../support/sendgrid-events.ts";
import {
  SLACK,
  type SlackPassdesk,
  STAFF,
  startSlackPassdesk,
} from "../../support/slack-passdesk.ts";
import { appHomeOpenedEvent } from "../../support/slack-requests.ts";

const signer = createEventSigner();

describe.each(backends)("delivery status in Slack on %s", (backend) => {
  let slack: SlackPassdesk;

  beforeAll(async () => {
    slack = await startSlackPassdesk(backend, {
      env: { SENDGRID_WEBHOOK_PUBLIC_KEY: signer.publicKey },
      async seed(repo) {
        for (const email of [
          "ok@example.com",
          "bounce@example.com",
          "drop@example.com",
          "again@example.com",
        ]) {
          await createTestUser(repo, email);
        }
      },
    });
  });
  afterAll(async () => {
    await slack?.close();
  });
  beforeEach(() => {
    slack.fake.recover();
    slack.fake.reset();
  });

  /** Runs /reset-password as support and returns the email's ref and the audit message. */
  async function resetFromSlack(email: string) {
    const reply = await (await slack.command(STAFF.support, "/reset-password", email)).reply();
    expect(reply.text).toContain("queued");
    const sent = await slack.waitForEmail(email);
    const masked = `${email[0]}•••@example.com`;
    const audit = await slack.waitForAuditMessage(`for ${masked} (queued)`);
    return { ref: sent.ref, audit, masked };
  }

  async function deliver(events: object[]) {
    const body = JSON.stringify(events);
    const response = await fetch(`${slack.url}/webhooks/sendgrid`, {
      method: "POST",
      headers: signer.headers(body),
      body,
    });
    expect(response.status).toBe(204);
  }

  const updatesOf = (ts: unknown) => () =>
    slack.fake.calls("chat.update").filter((call) => call.args.ts === ts);

  it("updates the request's audit message as SendGrid reports delivery", async () => {
    const { ref, audit } = await resetFromSlack("ok@example.com");
    const ts = (audit.response as { ts?: string }).ts;
    expect(JSON.stringify(audit.args.blocks)).toContain(`"action_id":"${ACTION_IDS.resendReset}"`);

    await deliver([sendGridEvent(ref, "processed")]);
    await slack.fake.waitForCall(
      "chat.update",
      (call) =>
        call.args.ts === ts && JSON.stringify(call.args.blocks).includes("accepted by SendGrid"),
    );
    await deliver([sendGridEvent(ref, "delivered")]);
    const delivered = await slack.fake.waitForCall(
      "chat.update",
      (call) => call.args.ts === ts && JSON.stringify(call.args.blocks).includes("delivered"),
    );
    expect(delivered.args.channel).toBe(audit.args.channel);
    expect(JSON.stringify(delivered.args)).not.toContain("ok@example.com");
    expect(updatesOf(ts)()).toHaveLength(2);
  });

  it("on a bounce, says why (address masked) and tells the requester ephemerally", async () => {
    const { ref, audit } = await resetFromSlack("bounce@example.com");
    await deliver([
      sendGridEvent(ref, "bounce", {
        reason: "550 5.1.1 <bounce@example.com>: Recipient address rejected",
      }),
    ]);
    const update = await slack.fake.waitForCall(
      "chat.update",
      (call) => call.args.ts === (audit.response as { ts?: string }).ts,
    );
    const shown = JSON.stringify(update.args.blocks);
    expect(shown).toContain("bounced");
    expect(shown).toContain("b•••@example.com");
    expect(shown).not.toContain("bounce@example.com");
    const told = await slack.fake.waitForCall(
      "chat.postEphemeral",
      (call) => call.args.user === STAFF.support,
    );
    expect(told.args.channel).toBe("C0SUPPORT");
    expect(String(told.args.text)).toContain("bounced");
  });

  it("falls back to a direct message when the ephemeral cannot be posted", async () => {
    const { ref } = await resetFromSlack("drop@example.com");
    slack.fake.failNext("chat.postEphemeral", { error: "channel_not_found" });
    await deliver([sendGridEvent(ref, "dropped", { reason: "Bounced Address" })]);
    await slack.fake.waitForCall("conversations.open", (call) => call.args.users === STAFF.support);
    const dm = await slack.fake.waitForCall("chat.postMessage", (call) =>
      String(call.args.text).includes("was dropped"),
    );
    expect(String(dm.args.channel)).toMatch(/^D/);
  });

  it("Resend sends the email again for support, refuses a user without a role, and is audited", async () => {
    const { audit } = await resetFromSlack("again@example.com");
    const requestId = String(JSON.stringify(audit.args.blocks).match(/req_[\w-]+/)?.[0]);
    const click = (userId: string, responseId: string) =>
      slack.action({
        userId,
        teamId: SLACK.teamId,
        actionId: ACTION_IDS.resendReset,
        blockId: "resend",
        value: requestId,
        responseUrl: slack.fake.responseUrl(responseId),
      });

    expect((await click(STAFF.nobody, "resend-denied")).status).toBe(200);
    const denied = await slack.fake.waitForResponse("resend-denied");
    expect(JSON.stringify(denied.body)).toContain("support");
    await slack.waitForAuditMessage("<@U0NOBODY> was denied access");

    const before = slack.emails.filter((email) => email.to === "again@example.com").length;
    expect((await click(STAFF.support, "resend-ok")).status).toBe(200);
    const answered = await slack.fake.waitForResponse("resend-ok");
    expect(JSON.stringify(answered.body)).toContain("queued");
    await expect
      .poll(() => slack.emails.filter((email) => email.to === "again@example.com").length)
      .toBe(before + 1);
  });

  it("lists a support user's recent requests with their status on the App Home tab", async () => {
    const response = await slack.send(
      JSON.stringify(appHomeOpenedEvent({ userId: STAFF.support, teamId: SLACK.teamId })),
    );
    expect(response.status).toBe(200);
    const published = await slack.fake.waitForCall(
      "views.publish",
      (call) => call.args.user_id === STAFF.support,
    );
    const home = JSON.stringify(published.args.view);
    expect(home).toContain("Your recent reset requests");
    expect(home).toContain("ok@example.com");
    expect(home).toContain("delivered");
    expect(home).toContain("bounced");
  });
});
