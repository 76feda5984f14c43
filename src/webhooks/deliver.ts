import type { Clock } from "../clock.ts";
import { signPayload } from "../hmac-signature.ts";
import { retryDelayMillis } from "../jobs/backoff.ts";
import type { Logger } from "../logger.ts";
import { PostRefusedError } from "../outbound-post.ts";
import { changeEventBody } from "./events.ts";
import type { WebhookSender } from "./http-sender.ts";
import type { DueWebhookDelivery, WebhookDeliveryStore } from "./ports.ts";

/** Opens a sealed webhook secret; throws when it was sealed under another key. */
export interface SecretSeal {
  seal(secret: string): string;
  open(sealed: string): string;
}

export interface WebhookDeliveryDependencies {
  repo: {
    webhookDeliveries: Pick<
      WebhookDeliveryStore,
      "claimDue" | "markDelivered" | "scheduleRetry" | "markFailed"
    >;
  };
  sender: WebhookSender;
  secrets: Pick<SecretSeal, "open">;
  clock: Clock;
  logger: Logger;
  /** How long a claimed delivery stays ours: longer than one send's timeout. */
  leaseMillis: number;
  /** Gives up after this many attempts… */
  maxAttempts: number;
  /** …or once the event is this old, whichever comes first. */
  maxAgeMillis: number;
  random?: () => number;
}

/**
 * Deliveries of one endpoint in flight at once: a receiver that hangs holds at most these slots
 * (each until the timeout), and the others stay free for everyone else.
 */
export const MAX_IN_FLIGHT_PER_ENDPOINT = 4;

/** A receiver may ask to wait, but not for longer than this. */
const MAX_RETRY_AFTER_SECONDS = 3600;

/** Leases up to `limit` due deliveries for this process. */
export function claimDueDeliveries(
  deps: WebhookDeliveryDependencies,
  limit: number,
): Promise<DueWebhookDelivery[]> {
  const now = deps.clock.now();
  const leaseUntil = new Date(now.getTime() + deps.leaseMillis);
  return deps.repo.webhookDeliveries.claimDue(now, leaseUntil, limit, MAX_IN_FLIGHT_PER_ENDPOINT);
}

/**
 * Sends one leased delivery, signed afresh (`t` is the time of this attempt), and records the
 * result: delivered on a 2xx, else a retry with exponential backoff and jitter, until the
 * attempts or the age run out and it is marked failed (kept, and logged without its URL).
 * The event id is the same on every attempt: receivers drop the repeats of at-least-once.
 */
export async function deliverWebhook(
  deps: WebhookDeliveryDependencies,
  delivery: DueWebhookDelivery,
): Promise<"delivered" | "retrying" | "failed"> {
  const { repo, clock, logger } = deps;
  const body = changeEventBody(delivery.event);
  let reason: string;
  let retryAfterSeconds: number | undefined;
  try {
    const secret = deps.secrets.open(delivery.sealedSecret);
    await deps.sender({
      url: delivery.url,
      eventId: delivery.event.id,
      eventType: delivery.event.type,
      body,
      signature: signPayload(secret, body, clock.now().getTime() / 1000),
    });
    await repo.webhookDeliveries.markDelivered(delivery.id, clock.now());
    return "delivered";
  } catch (error) {
    if (error instanceof PostRefusedError) {
      reason = error.reason;
      retryAfterSeconds = error.retryAfterSeconds;
    } else if (error instanceof Error && error.name === "KeyDecryptionError") {
      reason = "the secret cannot be decrypted (another PASSDESK_KEY_ENCRYPTION_KEY)";
    } else {
      throw error;
    }
  }
  const now = clock.now();
  const context = {
    deliveryId: delivery.id,
    eventId: delivery.event.id,
    endpointId: delivery.endpointId,
    host: hostOf(delivery.url),
    attempt: delivery.attempts,
    reason,
  };
  const age = now.getTime() - delivery.event.createdAt.getTime();
  if (delivery.attempts >= deps.maxAttempts || age >= deps.maxAgeMillis) {
    await repo.webhookDeliveries.markFailed(
      delivery.id,
      `gave up after ${delivery.attempts} attempt${delivery.attempts === 1 ? "" : "s"}: ${reason}`,
    );
    logger.warn(context, "webhook not delivered; gave up");
    return "failed";
  }
  const delay = retryDelayMillis(
    delivery.attempts,
    retryAfterSeconds && Math.min(retryAfterSeconds, MAX_RETRY_AFTER_SECONDS),
    deps.random,
  );
  await repo.webhookDeliveries.scheduleRetry(delivery.id, new Date(now.getTime() + delay), reason);
  logger.warn({ ...context, delayMillis: Math.round(delay) }, "webhook not delivered; will retry");
  return "retrying";
}

/** The host alone: a URL's path or query may hold a token of the receiver's. */
function hostOf(url: string): string | undefined {
  try {
    return new URL(url).host;
  } catch {
    return undefined;
  }
}
