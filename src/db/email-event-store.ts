import type { EmailEventStore } from "../email/ports.ts";
import type { Executor } from "./client.ts";
import { emailEvents } from "./schema.ts";

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
