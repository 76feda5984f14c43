import { verifySlackRequest } from "@slack/bolt";
import {
  ErrorCode,
  WebAPIHTTPError,
  WebAPIPlatformError,
  WebAPIRateLimitedError,
  WebClient,
} from "@slack/web-api";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type FakeSlack, startFakeSlack } from "../support/fake-slack.ts";
import {
  appHomeOpenedEvent,
  blockActionsPayload,
  createSignedRequest,
  interactivityBody,
  signSlackRequest,
  slashCommandBody,
  sslCheckBody,
  urlVerificationBody,
  viewSubmissionPayload,
} from "../support/slack-requests.ts";

const SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5";

let fake: FakeSlack;
let client: WebClient;

beforeEach(async () => {
  fake = await startFakeSlack();
  client = new WebClient("xoxb-test", {
    slackApiUrl: fake.url,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
  });
});

afterEach(async () => {
  await fake.close();
});

async function rejectionOf(call: Promise<unknown>): Promise<unknown> {
  return call.then(
    () => expect.unreachable("the call should have failed"),
    (error: unknown) => error,
  );
}

describe("the fake Slack Web API", () => {
  it("serves the WebClient at a base URL ending in /api/ and answers auth.test as the bot", async () => {
    expect(fake.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/$/);

    const identity = await client.auth.test();

    expect(identity).toMatchObject({ ok: true, user_id: "UBOT", bot_id: "BBOT", team_id: "T0001" });
  });

  it("records each call with its bearer token and decoded arguments", async () => {
    const blocks = [{ type: "section", text: { type: "mrkdwn", text: "*Reset* requested" } }];

    const posted = await client.chat.postMessage({ channel: "C0AUDIT", text: "Reset", blocks });
    const second = await client.chat.postMessage({ channel: "C0AUDIT", text: "Again" });

    expect(posted).toMatchObject({ ok: true, channel: "C0AUDIT", ts: "1700000000.000100" });
    expect(Number(second.ts)).toBeGreaterThan(Number(posted.ts));
    const [call] = fake.calls("chat.postMessage");
    expect(call).toMatchObject({
      method: "chat.postMessage",
      token: "xoxb-test",
      args: { channel: "C0AUDIT", text: "Reset", blocks },
    });
    expect(call?.at).toBeInstanceOf(Date);
  });

  it("also accepts a JSON body, as Slack does for write methods", async () => {
    const response = await fetch(`${fake.url}chat.postMessage`, {
      method: "POST",
      headers: { authorization: "Bearer xoxb-json", "content-type": "application/json" },
      body: JSON.stringify({ channel: "C0AUDIT", text: "JSON", metadata: { event_type: "x" } }),
    });

    expect(await response.json()).toMatchObject({ ok: true, channel: "C0AUDIT" });
    expect(fake.calls("chat.postMessage")[0]).toMatchObject({
      token: "xoxb-json",
      args: { text: "JSON", metadata: { event_type: "x" } },
    });
  });

  it("answers ephemeral messages, updates and DMs", async () => {
    const ephemeral = await client.chat.postEphemeral({ channel: "C1", user: "U1", text: "Hi" });
    const updated = await client.chat.update({ channel: "C1", ts: "1700000000.000100", text: "x" });
    const first = await client.conversations.open({ users: "U1" });
    const again = await client.conversations.open({ users: "U1" });

    expect(ephemeral.message_ts).toMatch(/^\d{10}\.\d{6}$/);
    expect(updated.ok).toBe(true);
    expect(first.channel?.id).toMatch(/^D/);
    expect(again.channel?.id).toBe(first.channel?.id);
  });

  it("opens, updates and publishes views with IDs and hashes, refusing a stale hash", async () => {
    const view = {
      type: "modal" as const,
      callback_id: "set_password",
      private_metadata: "{}",
      title: { type: "plain_text" as const, text: "Set password" },
      blocks: [],
    };

    const opened = await client.views.open({ trigger_id: "1.2.abc", view });
    const first = { view_id: opened.view?.id ?? "", hash: opened.view?.hash ?? "", view };
    const updated = await client.views.update(first);
    const stale = await rejectionOf(client.views.update(first));
    const home = await client.views.publish({ user_id: "U1", view: { type: "home", blocks: [] } });

    expect(opened.view).toMatchObject({
      id: expect.stringMatching(/^V/),
      callback_id: "set_password",
    });
    expect(updated.view?.id).toBe(opened.view?.id);
    expect(updated.view?.hash).not.toBe(opened.view?.hash);
    expect((stale as WebAPIPlatformError).data.error).toBe("hash_conflict");
    expect(home.view?.type).toBe("home");
    expect(fake.calls("views.open")[0]?.args.view).toEqual(view);
  });

  it("looks users up in the seeded directory, in Slack's shape", async () => {
    fake.addUser({ id: "U1", teamId: "T0001", email: "jane@example.com", realName: "Jane Doe" });

    const { user } = await client.users.info({ user: "U1" });
    const missing = await rejectionOf(client.users.info({ user: "U404" }));

    expect(user).toMatchObject({
      id: "U1",
      team_id: "T0001",
      name: "jane",
      real_name: "Jane Doe",
      deleted: false,
      is_bot: false,
      profile: { email: "jane@example.com", real_name: "Jane Doe", display_name: "jane" },
    });
    expect(missing).toBeInstanceOf(WebAPIPlatformError);
    expect((missing as WebAPIPlatformError).data.error).toBe("user_not_found");
  });

  it("lists the members of a seeded user group, and no_such_subteam otherwise", async () => {
    fake.setUsergroup("S0ADMINS", ["U1", "U2"]);

    const listed = await client.usergroups.users.list({ usergroup: "S0ADMINS" });
    const missing = await rejectionOf(client.usergroups.users.list({ usergroup: "S0NOPE" }));

    expect(listed.users).toEqual(["U1", "U2"]);
    expect((missing as WebAPIPlatformError).data.error).toBe("no_such_subteam");
  });

  it("answers unknown_method for methods it does not speak, and not_authed without a token", async () => {
    const unknown = await rejectionOf(client.apiCall("admin.users.remove", {}));
    const anonymous = await rejectionOf(
      new WebClient(undefined, { slackApiUrl: fake.url }).auth.test(),
    );

    expect((unknown as WebAPIPlatformError).data.error).toBe("unknown_method");
    expect((anonymous as WebAPIPlatformError).data.error).toBe("not_authed");
  });

  it("fails the next calls with an ok:false error the WebClient raises as a platform error", async () => {
    fake.failNext("chat.postMessage", { error: "channel_not_found" }, 2);

    const errors = [
      await rejectionOf(client.chat.postMessage({ channel: "C1", text: "a" })),
      await rejectionOf(client.chat.postMessage({ channel: "C1", text: "b" })),
    ];
    const third = await client.chat.postMessage({ channel: "C1", text: "c" });

    for (const error of errors) {
      expect(error).toMatchObject({
        code: ErrorCode.PlatformError,
        data: { error: "channel_not_found" },
      });
    }
    expect(third.ok).toBe(true);
    expect(fake.calls("chat.postMessage")).toHaveLength(3);
  });

  it("answers 429 with Retry-After, which the WebClient reports as rate limiting", async () => {
    fake.failNext("*", { retryAfterSeconds: 30 });

    const error = await rejectionOf(client.users.info({ user: "U1" }));

    expect(error).toBeInstanceOf(WebAPIRateLimitedError);
    expect((error as WebAPIRateLimitedError).retryAfter).toBe(30);
    expect(fake.calls("users.info")[0]?.status).toBe(429);
  });

  it("answers an HTTP 500 until it recovers", async () => {
    fake.failAll("*", { status: 500 });

    const first = await rejectionOf(client.auth.test());
    const second = await rejectionOf(client.chat.postMessage({ channel: "C1", text: "x" }));
    fake.recover();

    expect(first).toBeInstanceOf(WebAPIHTTPError);
    expect((first as WebAPIHTTPError).statusCode).toBe(500);
    expect(second).toBeInstanceOf(WebAPIHTTPError);
    expect((await client.auth.test()).ok).toBe(true);
  });

  it("lets a test wait for a call made in the background", async () => {
    setTimeout(() => void client.chat.postMessage({ channel: "C0AUDIT", text: "later" }), 50);

    const call = await fake.waitForCall("chat.postMessage", (c) => c.args.text === "later", 2_000);

    expect(call.args.channel).toBe("C0AUDIT");
    await expect(fake.waitForCall("views.open", undefined, 50)).rejects.toThrow(
      /no matching views.open call \(seen: chat.postMessage\)/,
    );
    fake.reset();
    expect(fake.calls()).toEqual([]);
  });

  it("records what is posted to a response_url", async () => {
    const url = fake.responseUrl("cmd-1");

    setTimeout(() => {
      void fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ response_type: "ephemeral", text: "Email queued" }),
      });
    }, 20);
    const posted = await fake.waitForResponse("cmd-1", 2_000);

    expect(posted.body).toEqual({ response_type: "ephemeral", text: "Email queued" });
    expect(fake.responses()).toHaveLength(1);
  });
});

describe("the Slack request builders", () => {
  it("sign bodies so that Bolt's own verifier accepts them", () => {
    const body = slashCommandBody({
      command: "/reset-password",
      text: "jane@example.com",
      userId: "U1",
      teamId: "T0001",
      responseUrl: fake.responseUrl("cmd-1"),
    });
    const headers = signSlackRequest(body, SIGNING_SECRET);
    const verify = (secret: string, signedBody: string) =>
      verifySlackRequest({
        signingSecret: secret,
        body: signedBody,
        headers: {
          "x-slack-signature": headers["x-slack-signature"],
          "x-slack-request-timestamp": Number(headers["x-slack-request-timestamp"]),
        },
      });

    expect(() => verify(SIGNING_SECRET, body)).not.toThrow();
    expect(() => verify("another-secret", body)).toThrow();
    expect(() => verify(SIGNING_SECRET, `${body}&text=tampered`)).toThrow();
  });

  it("date a signature when told, so a test can send a stale one", () => {
    const staleSeconds = Math.floor(Date.now() / 1000) - 6 * 60;
    const { headers, body } = createSignedRequest(sslCheckBody(), SIGNING_SECRET, staleSeconds);

    expect(headers["content-type"]).toBe("application/x-www-form-urlencoded");
    expect(() =>
      verifySlackRequest({
        signingSecret: SIGNING_SECRET,
        body,
        headers: {
          "x-slack-signature": headers["x-slack-signature"] ?? "",
          "x-slack-request-timestamp": staleSeconds,
        },
      }),
    ).toThrow(/stale/);
  });

  it("build a slash command form with every field Slack sends", () => {
    const body = slashCommandBody({
      command: "/set-password",
      text: "<@U2|jane> db",
      userId: "U1",
      teamId: "T0001",
      responseUrl: "https://hooks.slack.com/commands/T0001/1/x",
      triggerId: "1.2.abc",
    });

    expect(Object.fromEntries(new URLSearchParams(body))).toEqual({
      token: expect.any(String),
      team_id: "T0001",
      team_domain: expect.any(String),
      channel_id: expect.stringMatching(/^C/),
      channel_name: expect.any(String),
      user_id: "U1",
      user_name: expect.any(String),
      command: "/set-password",
      text: "<@U2|jane> db",
      api_app_id: expect.stringMatching(/^A/),
      is_enterprise_install: "false",
      response_url: "https://hooks.slack.com/commands/T0001/1/x",
      trigger_id: "1.2.abc",
    });
  });

  it("wrap interactivity payloads in a payload= form field", () => {
    const values = { password: { password: { type: "plain_text_input", value: "s3cret!" } } };
    const submission = viewSubmissionPayload({
      userId: "U1",
      teamId: "T0001",
      callbackId: "set_password",
      privateMetadata: '{"email":"jane@example.com"}',
      values,
      viewId: "V123",
    });

    const decoded = JSON.parse(
      new URLSearchParams(interactivityBody(submission)).get("payload") ?? "",
    );

    expect(decoded).toMatchObject({
      type: "view_submission",
      user: { id: "U1", team_id: "T0001" },
      team: { id: "T0001" },
      view: { id: "V123", callback_id: "set_password", state: { values } },
    });
  });

  it("build block actions from a modal or the Home tab", () => {
    const payload = blockActionsPayload({
      userId: "U1",
      teamId: "T0001",
      actionId: "set_password_mode",
      blockId: "mode",
      selectedOption: { value: "generate" },
      view: { viewId: "V9", callbackId: "set_password" },
    });

    expect(payload).toMatchObject({
      type: "block_actions",
      container: { type: "view", view_id: "V9" },
      view: { id: "V9", callback_id: "set_password" },
      actions: [{ type: "radio_buttons", action_id: "set_password_mode", block_id: "mode" }],
    });
    expect(payload.actions[0]?.selected_option).toMatchObject({ value: "generate" });
    expect(payload.response_url).toBeUndefined();
  });

  it("build the app_home_opened envelope and url_verification body", () => {
    const envelope = appHomeOpenedEvent({ userId: "U1", teamId: "T0001" });

    expect(envelope).toMatchObject({
      type: "event_callback",
      team_id: "T0001",
      event: { type: "app_home_opened", user: "U1", tab: "home" },
      authorizations: [{ team_id: "T0001", user_id: "UBOT", is_bot: true }],
    });
    expect(JSON.parse(urlVerificationBody("abc"))).toMatchObject({
      type: "url_verification",
      challenge: "abc",
    });
    expect(createSignedRequest(JSON.stringify(envelope), SIGNING_SECRET).headers).toMatchObject({
      "content-type": "application/json",
    });
  });
});
