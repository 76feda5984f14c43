import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Repository } from "../../src/db/stores.ts";
import { type ChangeEventType, createChangeEvent } from "../../src/webhooks/events.ts";
import { openStores, storeBackends } from "../support/store-backends.ts";

const START = new Date("2026-03-01T00:00:00Z");
const seconds = (n: number) => new Date(START.getTime() + n * 1000);
const FAR = seconds(1_000_000);

describe.each(storeBackends)("the webhook stores' contract on %s", (backend) => {
  let repo: Repository;
  let close: () => Promise<void>;
  let endpoints = 0;

  beforeAll(async () => {
    ({ repo, close } = await openStores(backend));
  });
  afterAll(() => close?.());

  async function addEndpoint(events: ChangeEventType[]): Promise<string> {
    const id = `whk_contract_${++endpoints}`;
    await repo.webhookEndpoints.add({
      id,
      url: `https://app.example.com/hooks/${endpoints}`,
      events,
      sealedSecret: `sealed-${id}`,
      createdAt: seconds(endpoints),
    });
    return id;
  }

  /** Publishes an event at `at`, after settling whatever is still due so each spec starts empty. */
  async function publish(type: ChangeEventType, at = START) {
    for (const delivery of await repo.webhookDeliveries.claimDue(FAR, FAR, 1000, 1000))
      await repo.webhookDeliveries.markDelivered(delivery.id, FAR);
    const event = createChangeEvent(
      type,
      {
        user: { id: 42, email: "jane@example.com" },
        connection: "db",
        by: { type: "cli", id: "ops" },
      },
      at,
    );
    await repo.changeEvents.publish(event);
    return event;
  }

  it("queues one pending delivery per endpoint subscribed to the event's type, and none for others", async () => {
    const both = await addEndpoint(["password.changed", "user.blocked"]);
    const passwords = await addEndpoint(["password.changed"]);
    await addEndpoint(["user.locked_out"]);
    const event = await publish("password.changed");
    const claimed = await repo.webhookDeliveries.claimDue(START, seconds(60), 10, 1000);
    expect(claimed.map((delivery) => delivery.endpointId).sort()).toEqual([both, passwords].sort());
    expect(claimed[0]).toMatchObject({
      event,
      status: "sending",
      attempts: 1,
      lockedUntil: seconds(60),
      url: expect.stringMatching(/^https:\/\/app\.example\.com\/hooks\/\d+$/),
      sealedSecret: expect.stringMatching(/^sealed-whk_contract_/),
    });
  });

  it("keeps nothing of an event no endpoint subscribes to", async () => {
    const before = await repo.webhookDeliveries.recent(1000);
    await publish("user.unblocked");
    expect(await repo.webhookDeliveries.recent(1000)).toHaveLength(before.length);
  });

  it("refuses the same event id twice for an endpoint: an id names one event", async () => {
    const event = await publish("user.blocked");
    await expect(repo.changeEvents.publish(event)).rejects.toThrow();
  });

  it("leases a delivery once, and again once its lease has run out: its sender died", async () => {
    const event = await publish("user.blocked");
    const [first, ...more] = await repo.webhookDeliveries.claimDue(
      seconds(1),
      seconds(61),
      10,
      1000,
    );
    expect(more).toEqual([]);
    expect(first?.event.id).toBe(event.id);
    expect(await repo.webhookDeliveries.claimDue(seconds(61), seconds(121), 10, 1000)).toEqual([]);
    const [again] = await repo.webhookDeliveries.claimDue(seconds(62), seconds(122), 10, 1000);
    expect(again).toMatchObject({ id: first?.id, attempts: 2, lockedUntil: seconds(122) });
  });

  it("holds a retried delivery until its next attempt, with its last error", async () => {
    await publish("user.blocked");
    const [claimed] = await repo.webhookDeliveries.claimDue(START, seconds(60), 10, 1000);
    if (!claimed) throw new Error("nothing claimed");
    await repo.webhookDeliveries.scheduleRetry(claimed.id, seconds(30), "HTTP 503");
    expect(await repo.webhookDeliveries.claimDue(seconds(29), seconds(90), 10, 1000)).toEqual([]);
    const [retried] = await repo.webhookDeliveries.claimDue(seconds(30), seconds(90), 10, 1000);
    expect(retried).toMatchObject({ id: claimed.id, attempts: 2, lastError: "HTTP 503" });
  });

  it("never leases a delivered or failed delivery again; recent() shows both, newest first", async () => {
    await publish("user.blocked", seconds(100));
    const [delivered] = await repo.webhookDeliveries.claimDue(seconds(100), seconds(160), 10, 1000);
    if (!delivered) throw new Error("nothing claimed");
    await repo.webhookDeliveries.markDelivered(delivered.id, seconds(101));
    await publish("user.blocked", seconds(200));
    const [failed] = await repo.webhookDeliveries.claimDue(seconds(200), seconds(260), 10, 1000);
    if (!failed) throw new Error("nothing claimed");
    await repo.webhookDeliveries.markFailed(failed.id, "gave up after 1 attempt: HTTP 410");
    expect(await repo.webhookDeliveries.claimDue(FAR, FAR, 10, 1000)).toEqual([]);
    const [newest, previous] = await repo.webhookDeliveries.recent(2);
    expect(newest).toMatchObject({ id: failed.id, status: "failed", deliveredAt: null });
    expect(newest?.lastError).toBe("gave up after 1 attempt: HTTP 410");
    expect(previous).toMatchObject({
      id: delivered.id,
      status: "delivered",
      deliveredAt: seconds(101),
      lastError: null,
    });
  });

  it("publishes nothing when the transaction around it fails", async () => {
    const before = await repo.webhookDeliveries.recent(1000);
    await expect(
      repo.transaction(async (stores) => {
        await stores.changeEvents.publish(
          createChangeEvent(
            "user.blocked",
            { user: { id: 1, email: "a@example.com" }, connection: "db", by: { type: "system" } },
            START,
          ),
        );
        throw new Error("the change failed");
      }),
    ).rejects.toThrow("the change failed");
    expect(await repo.webhookDeliveries.recent(1000)).toHaveLength(before.length);
  });

  it("leases at most `perEndpoint` of one endpoint's deliveries, counting those in flight; others' go meanwhile", async () => {
    const slow = await addEndpoint(["user.locked_out"]);
    const other = await addEndpoint(["user.unblocked"]);
    for (let i = 0; i < 3; i++) await publish("user.locked_out", seconds(300 + i));
    // publish() settles what is due first: queue the slow endpoint's backlog again.
    for (let i = 0; i < 2; i++) {
      await repo.changeEvents.publish(
        createChangeEvent(
          "user.locked_out",
          { user: { id: 42, email: "jane@example.com" }, connection: "db", by: { type: "system" } },
          seconds(303 + i),
        ),
      );
    }
    await repo.changeEvents.publish(
      createChangeEvent(
        "user.unblocked",
        { user: { id: 42, email: "jane@example.com" }, connection: "db", by: { type: "system" } },
        seconds(310),
      ),
    );
    const endpointsOf = (claimed: Array<{ endpointId: string }>) =>
      claimed.map((delivery) => delivery.endpointId).filter((id) => id === slow || id === other);
    const first = await repo.webhookDeliveries.claimDue(seconds(400), seconds(460), 10, 2);
    expect(endpointsOf(first).sort()).toEqual([slow, slow, other].sort());
    // The slow endpoint's two are still in flight: nothing more of it until one ends.
    expect(
      endpointsOf(await repo.webhookDeliveries.claimDue(seconds(401), seconds(461), 10, 2)),
    ).toEqual([]);
    const done = first.find((delivery) => delivery.endpointId === slow);
    if (!done) throw new Error("nothing of the slow endpoint claimed");
    await repo.webhookDeliveries.markDelivered(done.id, seconds(402));
    expect(
      endpointsOf(await repo.webhookDeliveries.claimDue(seconds(402), seconds(462), 10, 2)),
    ).toEqual([slow]);
  });

  it("prunes delivered and failed deliveries older than a time, up to a limit, never pending ones", async () => {
    await publish("user.blocked", seconds(500));
    const [old] = await repo.webhookDeliveries.claimDue(seconds(500), seconds(560), 1, 1000);
    if (!old) throw new Error("nothing claimed");
    await repo.webhookDeliveries.markDelivered(old.id, seconds(501));
    await repo.changeEvents.publish(
      createChangeEvent(
        "user.blocked",
        { user: { id: 42, email: "jane@example.com" }, connection: "db", by: { type: "system" } },
        seconds(502),
      ),
    );
    const pendingBefore = (await repo.webhookDeliveries.recent(1000)).filter(
      (row) => row.status === "pending",
    );
    expect(pendingBefore.length).toBeGreaterThan(0);
    // Everything delivered or failed so far is older than FAR.
    while ((await repo.webhookDeliveries.prune(FAR, 2)) > 0) {}
    const left = await repo.webhookDeliveries.recent(1000);
    expect(left.map((row) => row.status).sort()).toEqual(pendingBefore.map(() => "pending"));
    expect(await repo.webhookDeliveries.prune(FAR, 10)).toBe(0);
  });

  it("removes an endpoint with its deliveries, and replaces a secret", async () => {
    const id = await addEndpoint(["user.locked_out"]);
    await publish("user.locked_out");
    const queued = await repo.webhookDeliveries.recent(1000);
    expect(queued.filter((delivery) => delivery.endpointId === id)).toHaveLength(1);
    expect(await repo.webhookEndpoints.replaceSecret(id, "sealed-new")).toBe(true);
    expect((await repo.webhookEndpoints.list()).find((row) => row.id === id)).toMatchObject({
      sealedSecret: "sealed-new",
      events: ["user.locked_out"],
    });
    expect(await repo.webhookEndpoints.remove(id)).toMatchObject({ id });
    expect(await repo.webhookEndpoints.remove(id)).toBeUndefined();
    expect(await repo.webhookEndpoints.replaceSecret(id, "x")).toBe(false);
    const left = await repo.webhookDeliveries.recent(1000);
    expect(left.filter((delivery) => delivery.endpointId === id)).toEqual([]);
  });
});
