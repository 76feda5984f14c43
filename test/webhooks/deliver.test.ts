import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { createLogger } from "../../src/logger.ts";
import { createKeyEncryption } from "../../src/sign-in/key-encryption.ts";
import { deliverWebhook, MAX_IN_FLIGHT_PER_ENDPOINT } from "../../src/webhooks/deliver.ts";
import {
  DELIVERY_RETENTION_MILLIS,
  startWebhookDeliverer,
  type WebhookDelivererDependencies,
} from "../../src/webhooks/deliverer.ts";
import { createChangeEvent } from "../../src/webhooks/events.ts";
import { createHttpWebhookSender } from "../../src/webhooks/http-sender.ts";
import { createManualClock } from "../support/clock.ts";
import { createMemoryStores } from "../support/memory/stores.ts";
import { waitFor } from "../support/wait-for.ts";
import { startWebhookReceiver, type WebhookReceiver } from "../support/webhook-receiver.ts";

const seal = createKeyEncryption(Buffer.alloc(32, 7), "test webhook secret");
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function receiver(status: number): Promise<WebhookReceiver> {
  const started = await startWebhookReceiver(status);
  cleanups.push(() => started.stop());
  return started;
}

/** A receiver that never answers: a hung app. */
async function hangingReceiver(): Promise<string> {
  const server: Server = createServer(() => {});
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  cleanups.push(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
}

function setUp(
  options: { maxAttempts?: number; maxAgeMillis?: number; timeoutMillis?: number } = {},
) {
  const clock = createManualClock(new Date());
  const repo = createMemoryStores({ clock });
  const lines: string[] = [];
  const logger = createLogger("warn", false, { write: (line: string) => void lines.push(line) });
  const deps: WebhookDelivererDependencies = {
    repo,
    clock,
    logger,
    sender: createHttpWebhookSender({ timeoutMillis: options.timeoutMillis ?? 2_000 }),
    secrets: seal,
    leaseMillis: 60_000,
    maxAttempts: options.maxAttempts ?? 5,
    maxAgeMillis: options.maxAgeMillis ?? 86_400_000,
  };
  let endpoints = 0;
  return {
    clock,
    repo,
    deps,
    lines,
    async subscribe(url: string) {
      const id = `whk_${++endpoints}`;
      await repo.webhookEndpoints.add({
        id,
        url,
        events: ["user.blocked"],
        sealedSecret: seal.seal(`whsec_test_${id}`),
        createdAt: clock.now(),
      });
      return id;
    },
    async block() {
      const event = createChangeEvent(
        "user.blocked",
        {
          user: { id: 7, email: "jane@example.com" },
          connection: "db",
          by: { type: "cli", id: "ops" },
        },
        clock.now(),
      );
      await repo.changeEvents.publish(event);
      return event;
    },
    async deliverDue() {
      const now = clock.now();
      const due = await repo.webhookDeliveries.claimDue(
        now,
        new Date(now.getTime() + 60_000),
        10,
        10,
      );
      return Promise.all(due.map((delivery) => deliverWebhook(deps, delivery)));
    },
  };
}

describe("delivering a webhook", () => {
  it("retries a failing receiver with growing delays, then gives up: failed, kept, logged at warn without the URL's path or query", async () => {
    const down = await receiver(500);
    const test = setUp({ maxAttempts: 3 });
    await test.subscribe(`${down.url}?token=receiver-secret`);
    await test.block();
    const delays: number[] = [];
    for (let attempt = 1; attempt <= 3; attempt++) {
      expect(await test.deliverDue()).toEqual([attempt < 3 ? "retrying" : "failed"]);
      const [delivery] = await test.repo.webhookDeliveries.recent(1);
      if (attempt < 3)
        delays.push((delivery?.nextAttemptAt.getTime() ?? 0) - test.clock.now().getTime());
      test.clock.advance(60 * 60_000);
    }
    expect(delays[0]).toBeGreaterThanOrEqual(1_000);
    expect(delays[1]).toBeGreaterThan(delays[0] ?? 0);
    expect(await test.deliverDue()).toEqual([]);
    expect(down.received).toHaveLength(3);
    const [failed] = await test.repo.webhookDeliveries.recent(1);
    expect(failed).toMatchObject({
      status: "failed",
      attempts: 3,
      lastError: "gave up after 3 attempts: HTTP 500",
    });
    const log = test.lines.join("");
    expect(log).toContain("webhook not delivered; gave up");
    expect(log).toContain(`"host":"127.0.0.1:`);
    expect(log).not.toContain("receiver-secret");
    expect(log).not.toContain("/hooks/passdesk");
    expect(log).not.toContain("whsec_");
  });

  it("gives up on an event older than the age limit, whatever the attempts left", async () => {
    const down = await receiver(503);
    const test = setUp({ maxAttempts: 100, maxAgeMillis: 60 * 60_000 });
    await test.subscribe(down.url);
    await test.block();
    expect(await test.deliverDue()).toEqual(["retrying"]);
    test.clock.advance(60 * 60_000);
    expect(await test.deliverDue()).toEqual(["failed"]);
  });

  it("follows no redirect: the signed body goes nowhere else", async () => {
    const elsewhere = await receiver(204);
    const moved = createServer((_request, response) =>
      response.writeHead(307, { location: elsewhere.url }).end(),
    );
    await new Promise<void>((resolve) => moved.listen(0, "127.0.0.1", resolve));
    cleanups.push(() => new Promise((resolve) => moved.close(() => resolve())));
    const test = setUp();
    await test.subscribe(`http://127.0.0.1:${(moved.address() as AddressInfo).port}/old`);
    await test.block();
    expect(await test.deliverDue()).toEqual(["retrying"]);
    expect(elsewhere.received).toEqual([]);
    const [delivery] = await test.repo.webhookDeliveries.recent(1);
    expect(delivery?.lastError).toMatch(/redirect|network error/);
  });

  it("a receiver that hangs, with a backlog, holds a few slots only: a later event to another endpoint arrives meanwhile", async () => {
    const healthy = await receiver(204);
    const test = setUp({ timeoutMillis: 5_000 });
    await test.subscribe(await hangingReceiver());
    for (let i = 0; i < 10; i++) {
      await test.block();
      test.clock.advance(1_000);
    }
    await test.subscribe(healthy.url);
    const event = await test.block();
    const deliverer = startWebhookDeliverer(test.deps, {
      pollIntervalMillis: 50,
      maxConcurrentSends: 6,
    });
    cleanups.push(() => deliverer.stop());
    const started = Date.now();
    const states = async () =>
      (await test.repo.webhookDeliveries.recent(100)).map((delivery) => delivery.status);
    await waitFor(
      async () => (await states()).includes("delivered"),
      4_000,
      "the healthy endpoint's delivery",
    );
    expect(Date.now() - started).toBeLessThan(4_000);
    expect(healthy.received.map((request) => request.headers["x-passdesk-event-id"])).toEqual([
      event.id,
    ]);
    const all = await states();
    const count = (state: string) => all.filter((found) => found === state).length;
    expect(count("delivered")).toBe(1);
    expect(count("sending")).toBe(MAX_IN_FLIGHT_PER_ENDPOINT);
    expect(count("pending")).toBe(11 - MAX_IN_FLIGHT_PER_ENDPOINT);
  });

  it("deletes delivered and failed deliveries once they are past the retention, never pending ones", async () => {
    const app = await receiver(204);
    const gone = await receiver(410);
    const test = setUp({ maxAttempts: 1 });
    await test.subscribe(app.url);
    await test.subscribe(gone.url);
    await test.block();
    expect((await test.deliverDue()).sort()).toEqual(["delivered", "failed"]);
    // An old event still waiting for its next attempt, far ahead.
    await test.block();
    const now = test.clock.now();
    const waiting = await test.repo.webhookDeliveries.claimDue(now, now, 10, 10);
    const farAhead = new Date(now.getTime() + 2 * DELIVERY_RETENTION_MILLIS);
    for (const delivery of waiting)
      await test.repo.webhookDeliveries.scheduleRetry(delivery.id, farAhead, "HTTP 503");
    test.clock.advance(DELIVERY_RETENTION_MILLIS + 1);

    const deliverer = startWebhookDeliverer(test.deps, { pollIntervalMillis: 60_000 });
    cleanups.push(() => deliverer.stop());
    await deliverer.drain();
    expect((await test.repo.webhookDeliveries.recent(10)).map((row) => row.status)).toEqual([
      "pending",
      "pending",
    ]);
  });
});
