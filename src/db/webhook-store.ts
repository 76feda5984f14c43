import { and, asc, desc, eq, inArray, lt, lte, or, sql } from "drizzle-orm";
import type {
  ChangeEventOutbox,
  WebhookDelivery,
  WebhookDeliveryStore,
  WebhookEndpointStore,
} from "../webhooks/ports.ts";
import type { Executor } from "./client.ts";
import { rowsOf } from "./rows.ts";
import { webhookDeliveries, webhookEndpoints } from "./schema.ts";

type DeliveryRow = typeof webhookDeliveries.$inferSelect;

function toDelivery({ eventId, type, data, createdAt, ...row }: DeliveryRow): WebhookDelivery {
  return { ...row, event: { id: eventId, type, createdAt, data } };
}

export function createDrizzleWebhookEndpointStore(db: Executor): WebhookEndpointStore {
  return {
    async add(endpoint) {
      await db.insert(webhookEndpoints).values(endpoint);
    },
    list: () => db.select().from(webhookEndpoints).orderBy(asc(webhookEndpoints.createdAt)),
    async remove(id) {
      const [row] = await db
        .delete(webhookEndpoints)
        .where(eq(webhookEndpoints.id, id))
        .returning();
      return row;
    },
    async replaceSecret(id, sealedSecret) {
      const rows = await db
        .update(webhookEndpoints)
        .set({ sealedSecret })
        .where(eq(webhookEndpoints.id, id))
        .returning({ id: webhookEndpoints.id });
      return rows.length > 0;
    },
  };
}

/** Fans an event out to the endpoints subscribed to its type, in one INSERT … SELECT. */
export function createDrizzleChangeEventOutbox(db: Executor): ChangeEventOutbox {
  return {
    async publish(event) {
      // Times go as text: values in a raw statement skip drizzle's column encoding.
      const at = event.createdAt.toISOString();
      await db.execute(sql`
        insert into ${webhookDeliveries}
          (event_id, endpoint_id, type, data, next_attempt_at, created_at)
        select ${event.id}, ${webhookEndpoints.id}, ${event.type}, ${JSON.stringify(event.data)}::jsonb,
          ${at}::timestamptz, ${at}::timestamptz
        from ${webhookEndpoints}
        where ${event.type} = any(${webhookEndpoints.events})`);
    },
  };
}

/** Pending and due, or leased by a worker whose lease ran out (it died mid-send). */
const isDue = (at: Date) =>
  or(
    and(eq(webhookDeliveries.status, "pending"), lte(webhookDeliveries.nextAttemptAt, at)),
    and(eq(webhookDeliveries.status, "sending"), lt(webhookDeliveries.lockedUntil, at)),
  );

export function createDrizzleWebhookDeliveryStore(db: Executor): WebhookDeliveryStore {
  return {
    async claimDue(at, leaseUntil, limit, perEndpoint) {
      const candidates = await db.execute(sql`
        with due as (
          select id, endpoint_id, next_attempt_at,
            row_number() over (partition by endpoint_id order by next_attempt_at, id) as rank
          from ${webhookDeliveries}
          where ${isDue(at)}
        ), busy as (
          select endpoint_id, count(*)::int as sending
          from ${webhookDeliveries}
          where status = 'sending' and locked_until >= ${at.toISOString()}::timestamptz
          group by endpoint_id
        )
        select due.id from due left join busy on busy.endpoint_id = due.endpoint_id
        where due.rank + coalesce(busy.sending, 0) <= ${perEndpoint}
        order by due.next_attempt_at, due.id
        limit ${limit}`);
      const ids = rowsOf<{ id: string | number }>(candidates).map((row) => Number(row.id));
      if (ids.length === 0) return [];
      // Locked and checked again: another worker may have taken some meanwhile.
      const due = db
        .select({ id: webhookDeliveries.id })
        .from(webhookDeliveries)
        .where(and(inArray(webhookDeliveries.id, ids), isDue(at)))
        .for("update", { skipLocked: true });
      const claimed = await db
        .update(webhookDeliveries)
        .set({
          status: "sending",
          attempts: sql`${webhookDeliveries.attempts} + 1`,
          lockedUntil: leaseUntil,
        })
        .where(inArray(webhookDeliveries.id, due))
        .returning();
      if (claimed.length === 0) return [];
      const endpoints = await db
        .select()
        .from(webhookEndpoints)
        .where(inArray(webhookEndpoints.id, [...new Set(claimed.map((row) => row.endpointId))]));
      const byId = new Map(endpoints.map((endpoint) => [endpoint.id, endpoint]));
      return claimed
        .sort((a, b) => a.nextAttemptAt.getTime() - b.nextAttemptAt.getTime() || a.id - b.id)
        .flatMap((row) => {
          // Cascade: an endpoint removed meanwhile took its deliveries with it.
          const endpoint = byId.get(row.endpointId);
          return endpoint
            ? [{ ...toDelivery(row), url: endpoint.url, sealedSecret: endpoint.sealedSecret }]
            : [];
        });
    },
    async markDelivered(id, at) {
      await db
        .update(webhookDeliveries)
        .set({ status: "delivered", deliveredAt: at, lockedUntil: null, lastError: null })
        .where(eq(webhookDeliveries.id, id));
    },
    async scheduleRetry(id, nextAttemptAt, error) {
      await db
        .update(webhookDeliveries)
        .set({ status: "pending", nextAttemptAt, lockedUntil: null, lastError: error })
        .where(eq(webhookDeliveries.id, id));
    },
    async markFailed(id, error) {
      await db
        .update(webhookDeliveries)
        .set({ status: "failed", lockedUntil: null, lastError: error })
        .where(eq(webhookDeliveries.id, id));
    },
    async prune(before, limit) {
      const old = db
        .select({ id: webhookDeliveries.id })
        .from(webhookDeliveries)
        .where(
          and(
            inArray(webhookDeliveries.status, ["delivered", "failed"]),
            lt(webhookDeliveries.createdAt, before),
          ),
        )
        .limit(limit);
      const deleted = await db
        .delete(webhookDeliveries)
        .where(inArray(webhookDeliveries.id, old))
        .returning({ id: webhookDeliveries.id });
      return deleted.length;
    },
    async recent(limit) {
      const rows = await db
        .select()
        .from(webhookDeliveries)
        .orderBy(desc(webhookDeliveries.createdAt), desc(webhookDeliveries.id))
        .limit(limit);
      return rows.map(toDelivery);
    },
  };
}
