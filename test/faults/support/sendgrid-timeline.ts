import type { FakeSendGrid, RecordedRequest } from "../../support/fake-sendgrid.ts";

export interface TimedRequest {
  request: RecordedRequest;
  /** The outbox row's message_ref (stable across retries of one email). */
  ref: string;
  /** When the fake recorded it (exact: stamped as it is recorded). */
  arrivedAt: number;
  /** When its answer was first seen (sampled); undefined while it has none. */
  answeredAt: number | undefined;
}

export interface SendGridTimeline {
  entries(): TimedRequest[];
  /** How many requests the fake has recorded so far. */
  count(): number;
  stop(): void;
}

/**
 * Stamps each request the fake SendGrid records with when it arrived, and (sampling every few
 * milliseconds) when it was answered: the fake itself keeps no times. Attach before traffic.
 */
export function watchSendGrid(fake: FakeSendGrid, intervalMillis = 5): SendGridTimeline {
  const timed: TimedRequest[] = [];
  const log = fake.requests;
  const record = log.push.bind(log);
  Object.defineProperty(log, "push", {
    configurable: true,
    value: (...added: RecordedRequest[]) => {
      const now = Date.now();
      for (const request of added) {
        const args = (request.body as { custom_args?: Record<string, string> })?.custom_args;
        timed.push({
          request,
          ref: args?.passdesk_ref ?? "",
          arrivedAt: now,
          answeredAt: undefined,
        });
      }
      return record(...added);
    },
  });
  const sample = () => {
    const now = Date.now();
    for (const entry of timed) {
      if (entry.answeredAt === undefined && entry.request.status !== null) entry.answeredAt = now;
    }
  };
  const timer = setInterval(sample, intervalMillis);
  return {
    entries: () => {
      sample();
      return [...timed];
    },
    count: () => timed.length,
    stop: () => clearInterval(timer),
  };
}
