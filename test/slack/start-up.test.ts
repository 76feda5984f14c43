import { createServer, type Server } from "node:net";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config.ts";
import { type RunningPassdesk, startPassdesk } from "../../src/main.ts";
import { linesOf } from "../support/cli.ts";
import { type FakeSlack, startFakeSlack } from "../support/fake-slack.ts";
import { startServerProcess } from "../support/server-process.ts";
import { createRecordingLogger, SLACK } from "../support/slack-passdesk.ts";

// What Passdesk does at start with the Slack tokens it is given: they are checked (auth.test;
// apps.connections.open in Socket Mode) against a fake Slack, on an in-memory database (Slack's
// start-up does not touch it).

const APP_TOKEN = "xapp-1-A0PASSDESK-1111-PassdeskTestAppToken";

let fake: FakeSlack;
let running: RunningPassdesk | undefined;
let log: ReturnType<typeof createRecordingLogger>;

beforeAll(async () => {
  fake = await startFakeSlack({ teamId: SLACK.teamId });
});
afterAll(async () => {
  await fake?.close();
});
beforeEach(() => {
  fake.recover();
  fake.reset();
  log = createRecordingLogger();
});
afterEach(async () => {
  await running?.stop();
  running = undefined;
});

function messages(): Array<{ level: number; msg: string }> {
  return log.lines.map((line) => JSON.parse(line) as { level: number; msg: string });
}

function slackLine() {
  return messages().find((line) => line.msg.startsWith("Slack: "));
}

async function start(env: Record<string, string>) {
  running = await startPassdesk(
    parseConfig({
      PORT: "0",
      HOST: "127.0.0.1",
      PGLITE_DATA_DIR: "memory://",
      PUBLIC_URL: "https://passdesk.example.com",
      SLACK_BOT_TOKEN: SLACK.botToken,
      SLACK_API_URL: fake.url,
      ...env,
    }),
    { logger: log.logger, workerPollIntervalMillis: 50 },
  );
  return running;
}

const PINO = { info: 30, warn: 40, error: 50 };

describe("Slack over HTTP at start", () => {
  const http = { SLACK_SIGNING_SECRET: SLACK.signingSecret };

  it("with a bot token Slack accepts: on, with its request URL, after one auth.test", async () => {
    await start(http);
    expect(slackLine()).toMatchObject({
      level: PINO.info,
      msg: "Slack: on — requests at https://passdesk.example.com/slack/events",
    });
    expect(fake.calls("auth.test")).toHaveLength(1);
  });

  it.each(["invalid_auth", "token_revoked", "account_inactive", "not_authed"])(
    "with a bot token Slack refuses (%s): off, naming the token and why, and the public endpoints serve",
    async (error) => {
      fake.failAll("auth.test", { error });
      const passdesk = await start(http);

      expect(slackLine()).toMatchObject({
        level: PINO.error,
        msg: `Slack: off — SLACK_BOT_TOKEN rejected (${error}); fix it and restart Passdesk`,
      });
      expect(log.lines.join("\n")).not.toContain(SLACK.botToken);
      expect((await fetch(`${passdesk.url}/readyz`)).status).toBe(200);
      const reset = await fetch(`${passdesk.url}/dbconnections/change_password`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          email: "a@example.com",
          connection: "Username-Password-Authentication",
        }),
      });
      expect(reset.status).toBe(200);
      expect((await fetch(`${passdesk.url}/slack/events`, { method: "POST" })).status).toBe(404);
    },
  );

  it("when Slack answers 503: on, says so, and checks the token again until Slack accepts it", async () => {
    fake.failNext("auth.test", { status: 503 });
    await start(http);

    expect(slackLine()).toMatchObject({
      level: PINO.warn,
      msg: "Slack: on — requests at https://passdesk.example.com/slack/events; Slack did not answer at start (auth.test: HTTP 503): the bot token is checked again in the background",
    });
    await expect
      .poll(() => messages().map((line) => line.msg), { timeout: 10_000 })
      .toContain("Slack: the Web API answers again; SLACK_BOT_TOKEN accepted");
    expect(fake.calls("auth.test")).toHaveLength(2);
  });

  it("when nothing listens at SLACK_API_URL: on, naming the network error, and serving", async () => {
    const closed = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, "127.0.0.1", () => {
        const { port } = server.address() as { port: number };
        server.close(() => resolve(port));
      });
    });
    const passdesk = await start({ ...http, SLACK_API_URL: `http://127.0.0.1:${closed}/api/` });
    expect(slackLine()?.msg).toBe(
      "Slack: on — requests at https://passdesk.example.com/slack/events; Slack did not answer at start (auth.test: ECONNREFUSED): the bot token is checked again in the background",
    );
    expect((await fetch(`${passdesk.url}/healthz`)).status).toBe(200);
  });

  it("when Slack never answers: on after 5 s, saying so", async () => {
    const silent = await new Promise<Server>((resolve) => {
      const server = createServer(() => {});
      server.listen(0, "127.0.0.1", () => resolve(server));
    });
    try {
      const port = (silent.address() as { port: number }).port;
      await start({ ...http, SLACK_API_URL: `http://127.0.0.1:${port}/api/` });
      expect(slackLine()?.msg).toContain(
        "Slack did not answer at start (auth.test: no answer within 5 s)",
      );
    } finally {
      silent.close();
    }
  });
});

describe("Slack in Socket Mode at start", () => {
  const socketMode = { SLACK_APP_TOKEN: APP_TOKEN };

  it("with tokens Slack accepts: on, connected over the WebSocket, and disconnected on stop", async () => {
    await start(socketMode);
    expect(slackLine()).toMatchObject({ level: PINO.info, msg: "Slack: on — Socket Mode" });
    await expect.poll(() => fake.socketMode.open()).toBe(1);
    await expect
      .poll(() => messages().map((line) => line.msg))
      .toContain("Slack: Socket Mode connected");
    expect(fake.calls("apps.connections.open").map((call) => call.token)).toEqual([
      APP_TOKEN,
      APP_TOKEN,
    ]);

    await running?.stop();
    running = undefined;
    await expect.poll(() => fake.socketMode.open()).toBe(0);
  });

  it.each([
    ["auth.test", "SLACK_BOT_TOKEN", "invalid_auth"],
    ["apps.connections.open", "SLACK_APP_TOKEN", "invalid_auth"],
    ["apps.connections.open", "SLACK_APP_TOKEN", "missing_scope"],
  ])(
    "when %s is refused: off — %s rejected (%s), no crash, no connection",
    async (method, token, error) => {
      fake.failAll(method, { error });
      const connectionsBefore = fake.socketMode.connections();
      const passdesk = await start(socketMode);

      expect(slackLine()).toMatchObject({
        level: PINO.error,
        msg: `Slack: off — ${token} rejected (${error}); fix it and restart Passdesk`,
      });
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      expect(fake.calls("apps.connections.open").length).toBeLessThanOrEqual(1);
      expect(fake.socketMode.connections()).toBe(connectionsBefore);
      expect((await fetch(`${passdesk.url}/readyz`)).status).toBe(200);
      expect(log.lines.join("\n")).not.toContain(APP_TOKEN);
    },
  );

  it("when apps.connections.open fails at start: serving at once, then connected in the background", async () => {
    fake.failNext("apps.connections.open", { status: 503 });
    const passdesk = await start(socketMode);

    expect(slackLine()).toMatchObject({
      level: PINO.warn,
      msg: "Slack: on — Socket Mode; Slack did not answer at start (apps.connections.open: HTTP 503): Socket Mode keeps trying to connect in the background",
    });
    expect((await fetch(`${passdesk.url}/healthz`)).status).toBe(200);
    await expect.poll(() => fake.socketMode.open(), { timeout: 10_000 }).toBe(1);
  });

  it("when Slack drops the connection and is then unreachable, keeps serving and keeps trying", async () => {
    const own = await startFakeSlack({ teamId: SLACK.teamId });
    const passdesk = await start({ ...socketMode, SLACK_API_URL: own.url });
    await expect.poll(() => own.socketMode.open()).toBe(1);

    await own.close();
    await expect
      .poll(() => messages().map((line) => line.msg), { timeout: 15_000 })
      .toContainEqual(
        expect.stringMatching(
          /^Slack: Socket Mode could not connect \(ECONNREFUSED\); trying again in \d+ s$/,
        ),
      );
    expect((await fetch(`${passdesk.url}/healthz`)).status).toBe(200);
  });
});

describe("the server process with an app token Slack refuses", () => {
  it("prints one line about it, no stack, serves, and stops cleanly", async () => {
    fake.failAll("apps.connections.open", { error: "invalid_auth" });
    const server = await startServerProcess(
      { PGLITE_DATA_DIR: "memory://" },
      {
        SLACK_BOT_TOKEN: SLACK.botToken,
        SLACK_APP_TOKEN: APP_TOKEN,
        SLACK_API_URL: fake.url,
      },
    );
    await expect
      .poll(() => server.output().stdout)
      .toContain(
        "Slack: off — SLACK_APP_TOKEN rejected (invalid_auth); fix it and restart Passdesk",
      );
    expect((await fetch(`${server.baseUrl}/readyz`)).status).toBe(200);
    expect(await server.stop("SIGTERM")).toBe(0);
    expect(linesOf(server.output().stderr)).toEqual([]);
    expect(server.output().stdout).not.toContain(APP_TOKEN);
  });
});
