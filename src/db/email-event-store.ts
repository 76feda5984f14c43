import type { DeliveryEvent } from "../email/delivery-events.ts";
import type { Executor } from "./client.ts";
import { emailEvents } from "./schema.ts";

export interface EmailEventStore {
  /** Stores the event unless its provider id was seen before; true when it is new. */
  recordIfNew(outboxId: number, event: DeliveryEvent): Promise<boolean>;
}

export function createDrizzleEmailEventStore(db: Executor): EmailEventStore {
  return {
    async recordIfNew(outboxId, event) {
      const rows = await db
        .insert(emailEvents)
        .values({
          providerEventId: event.providerEventId,
          outboxId,
          event: event.event,
          reason: event.reason,
          occurredAt: event.occurredAt,
        })
        .onConflictDoNothing()
        .returning({ id: emailEvents.id });
      return rows.length > 0;
    },
  };
}
