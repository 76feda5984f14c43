import type { ChangeEvent, ChangeEventType } from "./events.ts";

/** A receiver of change events (`passdesk webhooks add`). */
export interface WebhookEndpoint {
  id: string;
  url: string;
  events: ChangeEventType[];
  /** The signing secret, sealed under the key-encryption key; opened only to sign. */
  sealedSecret: string;
  createdAt: Date;
}

export interface WebhookEndpointStore {
  add(endpoint: WebhookEndpoint): Promise<void>;
  list(): Promise<WebhookEndpoint[]>;
  /** Removes it and its deliveries (undelivered ones are dropped); undefined when there is none. */
  remove(id: string): Promise<WebhookEndpoint | undefined>;
  /** Replaces the sealed secret; false when there is no such endpoint. */
  replaceSecret(id: string, sealedSecret: string): Promise<boolean>;
}

/**
 * Where a change is published, in the transaction that makes it: one delivery is queued for each
 * endpoint subscribed to its type at that moment (none: nothing is stored), so that the event
 * exists if and only if the change committed.
 */
export interface ChangeEventOutbox {
  publish(event: ChangeEvent): Promise<void>;
}

export type WebhookDeliveryStatus = "pending" | "sending" | "delivered" | "failed";

/** One event on its way to one endpoint. */
export interface WebhookDelivery {
  id: number;
  event: ChangeEvent;
  endpointId: string;
  status: WebhookDeliveryStatus;
  attempts: number;
  nextAttemptAt: Date;
  lockedUntil: Date | null;
  /** Short and secret-free: a status code or a network failure's kind. */
  lastError: string | null;
  deliveredAt: Date | null;
}

/** A leased delivery with what sending it needs: its endpoint's URL and sealed secret. */
export interface DueWebhookDelivery extends WebhookDelivery {
  url: string;
  sealedSecret: string;
}

export interface WebhookDeliveryStore {
  /**
   * Leases up to `limit` deliveries that are due (or whose lease ran out: their sender died)
   * until `leaseUntil`, the longest due first; concurrent workers never lease the same one. No
   * endpoint gets more than `perEndpoint` in flight, those leased before counted: a receiver
   * that hangs cannot take every slot while others wait. (Two workers claiming at the same
   * instant may each stay under it: the cap is for fairness, not a guarantee.)
   */
  claimDue(
    at: Date,
    leaseUntil: Date,
    limit: number,
    perEndpoint: number,
  ): Promise<DueWebhookDelivery[]>;
  markDelivered(id: number, at: Date): Promise<void>;
  scheduleRetry(id: number, nextAttemptAt: Date, error: string): Promise<void>;
  markFailed(id: number, error: string): Promise<void>;
  /** Deletes up to `limit` delivered or failed deliveries of events created before `before`. */
  prune(before: Date, limit: number): Promise<number>;
  /** The newest `limit` deliveries, newest first (`passdesk webhooks deliveries`). */
  recent(limit: number): Promise<WebhookDelivery[]>;
}
