import type { Transaction } from "../unit-of-work.ts";
import { type DeliveryEvent, supersedes } from "./delivery-events.ts";
import type { EmailEventStore, OutboxEmail, OutboxStore } from "./ports.ts";

export interface AppliedEvent {
  email: OutboxEmail;
  event: DeliveryEvent;
  /** False when an earlier event already showed a later state (the status did not change). */
  statusChanged: boolean;
}

/** Each event is applied in a transaction of its own: its outbox row is locked meanwhile. */
export interface DeliveryEventPorts {
  transaction: Transaction<{
    outbox: Pick<OutboxStore, "lockByRef" | "setDeliveryStatus">;
    emailEvents: EmailEventStore;
  }>;
}

/**
 * Records each event once (SendGrid retries deliveries, so duplicates are normal) against the
 * email it is about, ignoring events for emails Passdesk did not send.
 */
export async function applyDeliveryEvents(
  repo: DeliveryEventPorts,
  events: DeliveryEvent[],
): Promise<AppliedEvent[]> {
  const applied: AppliedEvent[] = [];
  for (const event of events) {
    const result = await repo.transaction(async (stores) => {
      const email = await stores.outbox.lockByRef(event.ref);
      if (!email || !(await stores.emailEvents.recordIfNew(email.id, event))) return undefined;
      if (!supersedes(event.event, email.deliveryStatus))
        return { email, event, statusChanged: false };
      const updated = await stores.outbox.setDeliveryStatus(email.id, event.event, event.reason);
      return { email: updated ?? email, event, statusChanged: true };
    });
    if (result) applied.push(result);
  }
  return applied;
}
