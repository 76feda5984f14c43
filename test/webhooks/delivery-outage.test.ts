import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config.ts";
import { type RunningPassdesk, startPassdesk } from "../../src/main.ts";
import { linesOf, runCli } from "../support/cli.ts";
import { backends, createTestDatabase, type TestDatabase } from "../support/database.ts";
import { silentLogger } from "../support/reset-fixture.ts";
import { waitFor } from "../support/wait-for.ts";
import {
  startWebhookReceiver,
  verifiedByReference,
  type WebhookReceiver,
} from "../support/webhook-receiver.ts";

const PASSWORD = "correct horse battery staple";
const OPERATOR = "webhook-ops";

describe.each(backends)("webhooks across a receiver outage and a restart on %s", (backend) => {
  const keyHex = randomBytes(32).toString("hex");
  let database: TestDatabase;
  let down: WebhookReceiver;
  let up: WebhookReceiver;
  let server: RunningPassdesk | undefined;

  const passdesk = (...args: string[]) =>
    runCli(database.env, args, { env: { PASSDESK_KEY_ENCRYPTION_KEY: keyHex, USER: OPERATOR } });

  async function addWebhook(url: string, events: string): Promise<string> {
    const added = await passdesk("webhooks", "add", url, "--events", events);
    expect(added.code).toBe(0);
    const secret = linesOf(added.stdout)[1]?.replace(/^secret: /, "");
    if (!secret?.startsWith("whsec_")) throw new Error(`no secret in ${added.stdout}`);
    return secret;
  }

  function start(): Promise<RunningPassdesk> {
    const config = parseConfig({
      PORT: "0",
      HOST: "127.0.0.1",
      LOG_LEVEL: "silent",
      PUBLIC_URL: "https://passdesk.example.com",
      PASSDESK_KEY_ENCRYPTION_KEY: keyHex,
      WEBHOOK_TIMEOUT_MILLIS: "2000",
      ...database.env,
    });
    return startPassdesk(config, { logger: silentLogger, webhookPollIntervalMillis: 50 });
  }

  beforeAll(async () => {
    database = await createTestDatabase(backend);
    down = await startWebhookReceiver(503);
    up = await startWebhookReceiver(204);
  });
  afterAll(async () => {
    await server?.stop();
    await down?.stop();
    await up?.stop();
    await database?.drop();
  });

  it("a blocked user's event reaches a receiver that was down, once it is back, signed and without secrets; the other receiver is not held up", async () => {
    const downSecret = await addWebhook(down.url, "user.blocked,user.unblocked");
    const upSecret = await addWebhook(up.url, "user.blocked");
    expect(
      (await passdesk("users", "add", "--email", "jane@example.com", "--password", PASSWORD)).code,
    ).toBe(0);
    // Queued while no server runs: the event waits in the database.
    expect((await passdesk("users", "block", "jane@example.com")).code).toBe(0);

    server = await start();
    await waitFor(() => up.received.length > 0, 15_000, "the healthy receiver's delivery");
    await waitFor(() => down.received.length >= 2, 15_000, "two refused attempts");
    // Restart the delivery job while the receiver is gone altogether (connection refused).
    await server.stop();
    await down.stop();
    server = await start();
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    down.status = 204;
    await down.start();
    await waitFor(
      () => down.received.some(({ status }) => status === 204),
      30_000,
      "the delivery once the receiver is back",
    );

    const accepted = down.received.filter(({ status }) => status === 204);
    const [delivered] = accepted;
    if (!delivered) throw new Error("nothing delivered");
    const event = JSON.parse(delivered.body);
    expect(event).toEqual({
      id: expect.stringMatching(/^evt_[\w-]{22}$/),
      type: "user.blocked",
      created_at: expect.any(String),
      data: {
        user_id: expect.stringMatching(/^auth0\|\d+$/),
        email: "jane@example.com",
        connection: "Username-Password-Authentication",
        by: { type: "cli", id: OPERATOR },
        block: "account",
      },
    });
    // At-least-once with one id: every attempt, refused or not, and the other receiver's copy.
    for (const request of [...down.received, ...up.received]) {
      expect(request.headers["x-passdesk-event-id"]).toBe(event.id);
      expect(JSON.parse(request.body).id).toBe(event.id);
      expect(request.headers["content-type"]).toBe("application/json");
      expect(request.body).not.toMatch(/password_hash|\$argon2|correct horse/);
    }
    expect(
      verifiedByReference(downSecret, delivered.headers["x-passdesk-signature"], delivered.body),
    ).toBe(true);
    expect(
      verifiedByReference(upSecret, delivered.headers["x-passdesk-signature"], delivered.body),
    ).toBe(false);
    const [upCopy] = up.received;
    expect(
      verifiedByReference(upSecret, upCopy?.headers["x-passdesk-signature"], upCopy?.body ?? ""),
    ).toBe(true);
    // The healthy receiver got it before the outage ended, and only once.
    expect(up.received).toHaveLength(1);
    expect(upCopy?.at).toBeLessThan(delivered.at);
    expect(down.received.length).toBeGreaterThanOrEqual(3);

    await server.stop();
    server = undefined;
    const deliveries = await passdesk("webhooks", "deliveries");
    const states = linesOf(deliveries.stdout).map((line) => line.split("\t").slice(2, 5).join(" "));
    expect(states).toHaveLength(2);
    expect(
      states.every(
        (state) => state.startsWith("user.blocked whk_") && state.endsWith(" delivered"),
      ),
    ).toBe(true);
    expect(deliveries.stdout).not.toContain(downSecret);
  }, 120_000);
});
