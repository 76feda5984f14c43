import type {
  ChangeEventOutbox,
  WebhookDelivery,
  WebhookDeliveryStore,
  WebhookEndpointStore,
} from "../../../src/webhooks/ports.ts";
import { ConstraintError, copy, type MemoryDatabase } from "./database.ts";

/** WebhookEndpointStore over maps, as src/db/webhook-store.ts (removal cascades). */
export function createMemoryWebhookEndpointStore(database: MemoryDatabase): WebhookEndpointStore {
  const { tables } = database;
  return {
    async add(endpoint) {
      if (tables.webhookEndpoints.some((row) => row.id === endpoint.id))
        throw new ConstraintError(`duplicate webhook endpoint ${endpoint.id}`);
      tables.webhookEndpoints.push(copy(endpoint));
    },
    list: async () =>
      copy(
        tables.webhookEndpoints.toSorted((a, b) => a.createdAt.getTime() - b.createdAt.getTime()),
      ),
    async remove(id) {
      const index = tables.webhookEndpoints.findIndex((row) => row.id === id);
      if (index < 0) return undefined;
      const [removed] = tables.webhookEndpoints.splice(index, 1);
      tables.webhookDeliveries = tables.webhookDeliveries.filter((row) => row.endpointId !== id);
      return copy(removed);
    },
    async replaceSecret(id, sealedSecret) {
      const endpoint = tables.webhookEndpoints.find((row) => row.id === id);
      if (endpoint) endpoint.sealedSecret = sealedSecret;
      return endpoint !== undefined;
    },
  };
}

/** ChangeEventOutbox over maps: one delivery per subscribed endpoint. */
export function createMemoryChangeEventOutbox(database: MemoryDatabase): ChangeEventOutbox {
  const { tables } = database;
  return {
    async publish(event) {
      for (const endpoint of tables.webhookEndpoints) {
        if (!endpoint.events.includes(event.type)) continue;
        if (
          tables.webhookDeliveries.some(
            (row) => row.event.id === event.id && row.endpointId === endpoint.id,
          )
        )
          throw new ConstraintError(`event ${event.id} is already queued for ${endpoint.id}`);
        tables.webhookDeliveries.push({
          id: database.nextId("webhookDeliveries"),
          event: copy(event),
          endpointId: endpoint.id,
          status: "pending",
          attempts: 0,
          nextAttemptAt: event.createdAt,
          lockedUntil: null,
          lastError: null,
          deliveredAt: null,
        });
      }
    },
  };
}

/** WebhookDeliveryStore over maps, with src/db/webhook-store.ts's leases. */
export function createMemoryWebhookDeliveryStore(database: MemoryDatabase): WebhookDeliveryStore {
  const { tables } = database;
  const update = (id: number, fields: Partial<WebhookDelivery>) => {
    const row = tables.webhookDeliveries.find((delivery) => delivery.id === id);
    if (row) Object.assign(row, fields);
  };
  return {
    async claimDue(at, leaseUntil, limit, perEndpoint) {
      const now = at.getTime();
      const inFlight = new Map<string, number>();
      for (const row of tables.webhookDeliveries) {
        if (row.status === "sending" && row.lockedUntil && row.lockedUntil.getTime() >= now)
          inFlight.set(row.endpointId, (inFlight.get(row.endpointId) ?? 0) + 1);
      }
      const due = tables.webhookDeliveries
        .filter(
          (row) =>
            (row.status === "pending" && row.nextAttemptAt.getTime() <= now) ||
            (row.status === "sending" &&
              row.lockedUntil !== null &&
              row.lockedUntil.getTime() < now),
        )
        .sort((a, b) => a.nextAttemptAt.getTime() - b.nextAttemptAt.getTime() || a.id - b.id)
        .filter((row) => {
          const taken = inFlight.get(row.endpointId) ?? 0;
          inFlight.set(row.endpointId, taken + 1);
          return taken < perEndpoint;
        })
        .slice(0, limit);
      return due.flatMap((row) => {
        row.status = "sending";
        row.attempts += 1;
        row.lockedUntil = leaseUntil;
        const endpoint = tables.webhookEndpoints.find(({ id }) => id === row.endpointId);
        return endpoint
          ? [{ ...copy(row), url: endpoint.url, sealedSecret: endpoint.sealedSecret }]
          : [];
      });
    },
    async markDelivered(id, at) {
      update(id, { status: "delivered", deliveredAt: at, lockedUntil: null, lastError: null });
    },
    async scheduleRetry(id, nextAttemptAt, error) {
      update(id, { status: "pending", nextAttemptAt, lockedUntil: null, lastError: error });
    },
    async markFailed(id, error) {
      update(id, { status: "failed", lockedUntil: null, lastError: error });
    },
    async prune(before, limit) {
      const old = tables.webhookDeliveries
        .filter(
          (row) =>
            (row.status === "delivered" || row.status === "failed") &&
            row.event.createdAt.getTime() < before.getTime(),
        )
        .slice(0, limit);
      tables.webhookDeliveries = tables.webhookDeliveries.filter((row) => !old.includes(row));
      return old.length;
    },
    recent: async (limit) =>
      copy(
        tables.webhookDeliveries
          .toSorted(
            (a, b) => b.event.createdAt.getTime() - a.event.createdAt.getTime() || b.id - a.id,
          )
          .slice(0, limit),
      ),
  };
}
