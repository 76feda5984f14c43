import { describe, expect, it } from "vitest";
import type { Mailer, OutgoingEmail } from "../../../src/email/mailer.ts";
import { createOutboxSender } from "../../../src/password-reset/outbox-sender.ts";
import { createMemoryReset } from "../../support/memory-reset.ts";
import { silentLogger } from "../../support/reset-fixture.ts";
import { waitFor } from "../../support/wait-for.ts";

/** A mailer whose sends wait until the test lets each one through. */
function createHeldMailer() {
  const held: Array<{ email: OutgoingEmail; release(): void }> = [];
  const sent: OutgoingEmail[] = [];
  let mostAtOnce = 0;
  const mailer: Mailer = {
    name: "held",
    async send(email) {
      await new Promise<void>((release) => {
        held.push({ email, release });
        mostAtOnce = Math.max(mostAtOnce, held.length);
      });
      sent.push(email);
      return {};
    },
  };
  function releaseOne() {
    const next = held.shift();
    if (!next) throw new Error("no send is held");
    next.release();
  }
  return { mailer, held, sent, releaseOne, mostAtOnce: () => mostAtOnce };
}

/** A sender over one due email for each address, whose mailer holds every send until released. */
async function startHeldSender(addresses: string[], maxConcurrentSends: number) {
  const reset = createMemoryReset();
  for (const address of addresses) {
    await reset.addUser(address);
    await reset.request(address);
  }
  await reset.resolve();
  const held = createHeldMailer();
  const sender = createOutboxSender(
    { ...reset.deps, mailer: held.mailer },
    { logger: silentLogger, maxConcurrentSends },
  );
  return { reset, held, sender };
}

describe("the outbox sender", () => {
  it("keeps at most maxConcurrentSends in flight and refills a slot as soon as a send ends", async () => {
    const addresses = Array.from({ length: 5 }, (_, i) => `user${i}@example.com`);
    const { reset, held, sender } = await startHeldSender(addresses, 2);

    sender.run();
    await waitFor(() => held.held.length === 2, 5_000, "two sends in flight");
    held.releaseOne();
    await waitFor(() => held.held.length === 2 && held.sent.length === 1, 5_000, "a refilled slot");
    for (let sent = 2; sent <= 5; sent++) {
      await waitFor(() => held.held.length > 0, 5_000, "a send in flight");
      held.releaseOne();
      await waitFor(() => held.sent.length === sent, 5_000, `send ${sent} to end`);
    }
    await sender.drain();

    expect(held.mostAtOnce()).toBe(2);
    expect(held.sent.map((email) => email.to).sort()).toEqual(addresses);
    expect(reset.repo.database.tables.outbox.every((email) => email.status === "sent")).toBe(true);
  });

  it("claims nothing once stopped; sends in flight still finish", async () => {
    const { reset, held, sender } = await startHeldSender(["a@example.com", "b@example.com"], 1);
    sender.run();
    await waitFor(() => held.held.length === 1, 5_000, "one send in flight");
    await sender.stop();
    held.releaseOne();
    await sender.settle(5_000);

    expect(held.sent).toHaveLength(1);
    expect(reset.repo.database.tables.outbox.map((email) => email.status).sort()).toEqual([
      "pending",
      "sent",
    ]);
  });
});
