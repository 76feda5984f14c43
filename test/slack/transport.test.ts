import { createHmac } from "node:crypto";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { auditLog, resetRequests } from "../../src/db/schema.ts";
import { MAX_BODY_BYTES } from "../../src/slack/receiver.ts";
import { backends } from "../support/database.ts";
import { openConnection } from "../support/raw-connection.ts";
import { createTestUser } from "../support/reset-fixture.ts";
import { SLACK, type SlackPassdesk, STAFF, startSlackPassdesk } from "../support/slack-passdesk.ts";
import {
  createTriggerId,
  interactivityBody,
  signSlackRequest,
  slashCommandBody,
  sslCheckBody,
  urlVerificationBody,
} from "../support/slack-requests.ts";

const FORM = { "content-type": "application/x-www-form-urlencoded" };
const JSON_BODY = { "content-type": "application/json" };
// Requests refused before any action name this target, so the database can be searched for it.
const REFUSED = "refused@example.com";

describe.each(backends)("POST /slack/events on %s", (backend) => {
  let slack: SlackPassdesk;

  beforeAll(async () => {
    slack = await startSlackPassdesk(backend, {
      slackUsers: [
        { id: "U0JANE", teamId: SLACK.teamId, email: "jane@example.com", realName: "J" },
      ],
      async seed(repo) {
        await createTestUser(repo, "jane@example.com", { name: "Jane Doe" });
        await createTestUser(repo, REFUSED);
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

  function refusedCommand(responseId: string): string {
    return slashCommandBody({
      command: "/reset-password",
      text: REFUSED,
      userId: STAFF.admin,
      teamId: SLACK.teamId,
      responseUrl: slack.fake.responseUrl(responseId),
    });
  }

  /** Gives a refused request time to do anything it wrongly might, then checks it did not. */
  async function expectNoAction() {
    await new Promise((resolve) => setTimeout(resolve, 300));
    // The audit poster may still be posting what earlier tests did: only that is allowed.
    const calls = slack.fake.calls();
    expect(calls.filter((call) => call.method !== "chat.postMessage")).toEqual([]);
    expect(calls.filter((call) => JSON.stringify(call.args).includes("r•••@"))).toEqual([]);
    expect(calls.filter((call) => JSON.stringify(call.args).includes("denied"))).toEqual([]);
    expect(slack.fake.responses()).toEqual([]);
  }

  it("acks a signed slash command at once with an empty 200 and replies through response_url", async () => {
    const started = Date.now();
    const command = await slack.command(STAFF.support, "/reset-password", "jane@example.com");

    expect(command.response.status).toBe(200);
    expect(command.ackBody).toBe("");
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(await command.reply()).toEqual({
      response_type: "ephemeral",
      text: expect.stringContaining("Password reset email queued for *jane@example.com*"),
    });
  });

  it("does not call auth.test for each request", async () => {
    for (const text of ["", "", ""]) {
      await (await slack.command(STAFF.support, "/reset-password", text)).reply();
    }

    expect(slack.fake.calls("auth.test")).toEqual([]);
  });

  it("refuses bad, tampered, stale, future and missing signatures with 401, acting on none", async () => {
    const body = refusedCommand("refused");
    const now = Math.floor(slack.clock.now().getTime() / 1000);
    const attempts: Array<[string, Record<string, string>, string]> = [
      ["another secret", signSlackRequest(body, "not-the-signing-secret", now), body],
      ["a tampered body", signSlackRequest(body, SLACK.signingSecret, now), `${body}&x=1`],
      ["6 minutes old", signSlackRequest(body, SLACK.signingSecret, now - 360), body],
      ["6 minutes ahead", signSlackRequest(body, SLACK.signingSecret, now + 360), body],
      ["no headers", {}, body],
      [
        "another scheme",
        {
          ...signSlackRequest(body, SLACK.signingSecret, now),
          "x-slack-signature": signSlackRequest(body, SLACK.signingSecret, now)[
            "x-slack-signature"
          ].replace("v0=", "v1="),
        },
        body,
      ],
    ];

    for (const [why, headers, sent] of attempts) {
      const response = await fetch(`${slack.url}/slack/events`, {
        method: "POST",
        headers: { ...FORM, ...headers },
        body: sent,
      });
      expect({ why, status: response.status }).toEqual({ why, status: 401 });
    }
    const unsignedHandshake = await fetch(`${slack.url}/slack/events`, {
      method: "POST",
      headers: JSON_BODY,
      body: urlVerificationBody("unsigned-challenge"),
    });
    expect(unsignedHandshake.status).toBe(401);
    expect(await unsignedHandshake.text()).not.toContain("unsigned-challenge");

    await expectNoAction();
    const recorded = await slack.inspect(async (_repo, db) => ({
      requests: await db.select().from(resetRequests).where(eq(resetRequests.email, REFUSED)),
      audit: await db.select().from(auditLog).where(eq(auditLog.targetEmail, REFUSED)),
    }));
    expect(recorded).toEqual({ requests: [], audit: [] });
  });

  it("accepts a signature within the five-minute window", async () => {
    const body = slashCommandBody({
      command: "/reset-password",
      text: "",
      userId: STAFF.support,
      teamId: SLACK.teamId,
      responseUrl: slack.fake.responseUrl("four-minutes"),
    });
    const fourMinutesAgo = Math.floor(slack.clock.now().getTime() / 1000) - 240;

    const response = await slack.send(body, { timestampSeconds: fourMinutesAgo });

    expect(response.status).toBe(200);
    await slack.fake.waitForResponse("four-minutes");
  });

  it("answers ssl_check with 200 and nothing else, even with a command in the body", async () => {
    const signed = await slack.send(sslCheckBody());
    const unsigned = await fetch(`${slack.url}/slack/events`, {
      method: "POST",
      headers: FORM,
      body: sslCheckBody(),
    });
    const smuggled = await slack.send(`${refusedCommand("smuggled")}&ssl_check=1`);

    for (const response of [signed, unsigned, smuggled]) {
      expect(response.status).toBe(200);
      expect(await response.text()).toBe("");
    }
    await expectNoAction();
  });

  it("echoes the url_verification challenge", async () => {
    const response = await slack.send(urlVerificationBody("3eZbrw1aBm2rZgRNFdxV2595E9CY3g"));

    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ challenge: "3eZbrw1aBm2rZgRNFdxV2595E9CY3g" });
  });

  it.each([
    ["a payload that is not JSON", "payload=%7Bnot-json", FORM],
    ["a payload that is not an object", interactivityBody([1, 2, 3]), FORM],
    ["a form with neither command nor payload", "text=hello", FORM],
    ["a JSON body that does not parse", "{not json", JSON_BODY],
    ["a JSON array", "[1,2,3]", JSON_BODY],
    ["a handshake without a challenge", '{"type":"url_verification"}', JSON_BODY],
    ["plain text", "hello", { "content-type": "text/plain" }],
    [
      "a lone surrogate in an interactivity payload",
      interactivityBody({ type: "block_actions", user: { id: "U\ud800" }, actions: [] }),
      FORM,
    ],
    [
      "a lone surrogate in an event",
      JSON.stringify({ type: "event_callback", event: { type: "app_home_opened", tab: "\udc00" } }),
      JSON_BODY,
    ],
    ["a lone surrogate in a handshake", urlVerificationBody("\ud800challenge"), JSON_BODY],
  ])("answers 400 to a signed body with %s", async (_what, body, headers) => {
    const response = await slack.send(body, { headers });

    expect(response.status).toBe(400);
    expect(await response.text()).not.toMatch(/at \w+ \(|Error:/);
  });

  it("never answers 500 to odd but decodable payloads", async () => {
    const bodies = [
      "{}",
      JSON.stringify({ type: "event_callback" }),
      JSON.stringify({ type: "event_callback", event: { type: "app_home_opened" } }),
      interactivityBody({ type: "view_submission" }),
      interactivityBody({ type: "block_actions", actions: [] }),
      interactivityBody({ type: "something_new" }),
      slashCommandBody({
        command: "/not-ours",
        text: "jane@example.com",
        userId: STAFF.admin,
        teamId: SLACK.teamId,
        responseUrl: slack.fake.responseUrl("not-ours"),
      }),
    ];

    for (const body of bodies) {
      const started = Date.now();
      const response = await slack.send(body);
      expect({ body, status: response.status }).toEqual({ body, status: 200 });
      expect(Date.now() - started).toBeLessThan(3_000);
    }
    expect(slack.fake.calls().filter((call) => call.method !== "chat.postMessage")).toEqual([]);
  });

  it("refuses a signed command without user_id, team_id or response_url with 400", async () => {
    for (const body of [
      "command=%2Freset-password",
      "command=%2Freset-password&user_id=U1&team_id=T1",
    ]) {
      expect((await slack.send(body)).status).toBe(400);
    }
    expect(slack.fake.calls().filter((call) => call.method !== "chat.postMessage")).toEqual([]);
  });

  it("answers 400 to a signed body that is not UTF-8", async () => {
    const body = Buffer.from("payload=%7B%7D&text=\xff", "latin1");
    const timestamp = String(Math.floor(slack.clock.now().getTime() / 1000));
    const digest = createHmac("sha256", SLACK.signingSecret)
      .update(`v0:${timestamp}:`)
      .update(body)
      .digest("hex");

    const response = await fetch(`${slack.url}/slack/events`, {
      method: "POST",
      headers: {
        ...FORM,
        "x-slack-signature": `v0=${digest}`,
        "x-slack-request-timestamp": timestamp,
      },
      body,
    });

    expect(response.status).toBe(400);
    await expectNoAction();
  });

  it("refuses a stale or malformed signature header before reading the body", async () => {
    const now = Math.floor(slack.clock.now().getTime() / 1000);
    const hex = "0".repeat(64);
    for (const [signature, timestamp] of [
      [`v0=${hex}`, now - 3600],
      [`v0=${hex}`, now + 3600],
      ["v0=not-hex", now],
      [`v1=${hex}`, now],
    ]) {
      const connection = openConnection(Number(new URL(slack.url).port));
      connection.write(
        "POST /slack/events HTTP/1.1\r\nHost: passdesk.test\r\n" +
          "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n" +
          `X-Slack-Signature: ${signature}\r\nX-Slack-Request-Timestamp: ${timestamp}\r\n\r\n`,
      );
      // The body never comes: only an answer that did not wait for it can arrive.
      const answer = await connection.waitFor(/^HTTP\/1\.1 \d+ /);
      connection.destroy();
      expect({ signature, answer: answer.slice(0, 12) }).toEqual({
        signature,
        answer: "HTTP/1.1 401",
      });
    }
  });

  it("takes a signed body of 512 KiB and refuses one byte more with 413", async () => {
    const prefix = "payload=";
    const atLimit = `${prefix}${"x".repeat(MAX_BODY_BYTES - prefix.length)}`;

    expect((await slack.send(atLimit)).status).toBe(400); // read and verified: not JSON
    expect((await slack.send(`${atLimit}x`)).status).toBe(413);
  });

  describe("when Slack's Web API fails", () => {
    it.each([
      ["answers HTTP 500", { status: 500 }],
      ["rate limits with 429", { retryAfterSeconds: 30 }],
      ["answers ok:false", { error: "fatal_error" }],
    ])("tells the requester when users.info %s, and acks with 200", async (_what, failure) => {
      slack.fake.failAll("users.info", failure);

      const command = await slack.command(STAFF.support, "/reset-password", "<@U0JANE|jane>");

      expect(command.response.status).toBe(200);
      expect(await command.reply()).toEqual({
        response_type: "ephemeral",
        text: expect.stringMatching(/^Sorry, that did not work.*try again/),
      });
      expect(slack.fake.calls("users.info").length).toBeGreaterThanOrEqual(1);
      // A few quick retries at most: never Slack's default of retrying for minutes.
      expect(slack.fake.calls("users.info").length).toBeLessThanOrEqual(3);
    });

    it("tells the admin when views.open fails, and opens nothing", async () => {
      slack.fake.failNext("views.open", { error: "expired_trigger_id" });

      const command = await slack.command(
        STAFF.admin,
        "/set-password",
        "jane@example.com",
        createTriggerId(),
      );

      expect(command.response.status).toBe(200);
      expect((await command.reply()).text).toMatch(/^Sorry, that did not work/);
      expect(slack.fake.calls("views.open")).toHaveLength(1);
      expect(slack.fake.calls("views.open")[0]?.response).toEqual({
        ok: false,
        error: "expired_trigger_id",
      });
    });

    it("works again once Slack recovers", async () => {
      slack.fake.failNext("users.info", { status: 503 }, 3);
      const failed = await slack.command(STAFF.support, "/reset-password", "<@U0JANE|jane>");
      expect((await failed.reply()).text).toMatch(/^Sorry/);

      const retried = await slack.command(STAFF.support, "/reset-password", "<@U0JANE|jane>");

      expect((await retried.reply()).text).toContain("queued for *jane@example.com*");
    });
  });
});
