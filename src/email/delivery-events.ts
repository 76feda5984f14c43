/** One SendGrid Event Webhook event about an email Passdesk sent. */
export interface DeliveryEvent {
  providerEventId: string;
  /** The opaque id Passdesk put in custom_args (`passdesk_ref`). */
  ref: string;
  event: string;
  reason: string | null;
  occurredAt: Date | null;
}

/** Delivery states in the order they can follow one another; engagement events are not tracked. */
const RANK: Record<string, number> = {
  processed: 1,
  deferred: 2,
  delivered: 3,
  bounce: 4,
  dropped: 4,
};

export function isTrackedEvent(event: string): boolean {
  return event in RANK;
}

/** Whether `next` should replace `current`: a late "processed" never hides "delivered". */
export function supersedes(next: string, current: string | null): boolean {
  return (RANK[next] ?? 0) >= (current === null ? 0 : (RANK[current] ?? 0));
}

function text(value: unknown, maxLength: number): string | null {
  return typeof value === "string" && value.length > 0 ? value.slice(0, maxLength) : null;
}

/**
 * Reads SendGrid's JSON array of events, keeping the delivery events that carry Passdesk's ref
 * and an event id; returns null when the body is not an array at all.
 */
export function parseSendGridEvents(body: unknown): DeliveryEvent[] | null {
  if (!Array.isArray(body)) return null;
  const events: DeliveryEvent[] = [];
  for (const raw of body) {
    if (typeof raw !== "object" || raw === null) continue;
    const record = raw as Record<string, unknown>;
    const providerEventId = text(record.sg_event_id, 200);
    const ref = text(record.passdesk_ref, 100);
    const event = text(record.event, 40);
    if (!providerEventId || !ref || !event || !isTrackedEvent(event)) continue;
    const timestamp =
      typeof record.timestamp === "number" ? new Date(record.timestamp * 1000) : null;
    events.push({
      providerEventId,
      ref,
      event,
      reason: text(record.reason, 500) ?? text(record.response, 500),
      occurredAt: timestamp && !Number.isNaN(timestamp.getTime()) ? timestamp : null,
    });
  }
  return events;
}
