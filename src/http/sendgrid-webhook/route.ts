import { Hono } from "hono";
import type { Clock } from "../../clock.ts";
import {
  type AppliedEvent,
  applyDeliveryEvents,
  type DeliveryEventPorts,
} from "../../email/apply-delivery-events.ts";
import { parseSendGridEvents } from "../../email/delivery-events.ts";
import type { Logger } from "../../logger.ts";
import { findIllFormedText } from "../../well-formed-text.ts";
import { clientIp } from "../client-ip.ts";
import { errorResponse } from "../errors.ts";
import { limitBodySize } from "../limit-body-size.ts";
import { readBodyBytes } from "../read-body.ts";
import { createVerificationGate, type VerificationGateLimits } from "../verification-gate.ts";
import {
  checkSignedTimestamp,
  isSignedBy,
  parseVerificationKey,
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
} from "./signature.ts";

export interface SendGridWebhookDependencies {
  repo: DeliveryEventPorts;
  logger: Logger;
  clock: Clock;
  trustedProxies: number;
  /** The "Signed Event Webhook" verification key from SendGrid's Mail Settings (base64 DER or PEM). */
  publicKey: string;
  /** Told about newly applied events, after they are stored (for example to update Slack). */
  onApplied(applied: AppliedEvent[]): Promise<void>;
  /** Bounds on verification; the defaults below unless a test needs others. */
  limits?: VerificationGateLimits;
}

/**
 * SendGrid posts a batch once it reaches 768 KB (or every 30 s, whichever comes first; its
 * Event Webhook documentation): the batch that crosses the threshold ends with one more event,
 * a few KB even with custom arguments. 1 MiB holds that with room to spare.
 */
export const MAX_BODY_BYTES = 1024 * 1024;

/**
 * At most 4 deliveries are read and verified at the same time (4 MiB of bodies), and one client
 * IP gets a burst of 30 verifications, then 60 a minute: at Passdesk's volume each SendGrid
 * server posts about every 30 s, and SendGrid retries a refused delivery for 24 hours.
 */
export const DEFAULT_VERIFICATION_LIMITS: VerificationGateLimits = {
  maxInFlight: 4,
  perClientBurst: 30,
  perClientPerMinute: 60,
  maxClients: 10_000,
};

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** `POST /webhooks/sendgrid`: SendGrid's signed Event Webhook, the source of delivery status. */
export function createSendGridWebhookRoute(deps: SendGridWebhookDependencies): Hono {
  const route = new Hono();
  const key = parseVerificationKey(deps.publicKey);
  const gate = createVerificationGate(deps.limits ?? DEFAULT_VERIFICATION_LIMITS, deps.clock);
  const unsigned = (c: Parameters<typeof errorResponse>[0], description: string) =>
    errorResponse(c, 401, "invalid_signature", description);

  route.post(
    "/webhooks/sendgrid",
    limitBodySize(MAX_BODY_BYTES, (c) =>
      errorResponse(c, 413, "request_too_large", `Body over ${MAX_BODY_BYTES} bytes.`),
    ),
    async (c) => {
      // 1. The headers alone: a missing, malformed or stale timestamp costs no read and no hash.
      const signature = c.req.header(SIGNATURE_HEADER);
      const checked = checkSignedTimestamp(
        signature,
        c.req.header(TIMESTAMP_HEADER),
        deps.clock.now().getTime(),
      );
      if (!checked.ok) {
        return checked.reason === "stale_timestamp"
          ? unsigned(c, "The event webhook timestamp is too old or in the future.")
          : unsigned(c, "The event webhook signature is missing or invalid.");
      }

      // 2. Bounded: per client IP, and how many bodies are read and verified at once.
      const admission = gate.admit(clientIp(c, deps.trustedProxies));
      if (!admission.ok) {
        c.header("Retry-After", String(admission.retryAfterSeconds));
        return admission.reason === "busy"
          ? errorResponse(c, 503, "temporarily_unavailable", "Try again later.")
          : errorResponse(c, 429, "too_many_requests", "Too many requests. Try again later.");
      }
      let rawBody: Uint8Array;
      try {
        rawBody = await readBodyBytes(c);
        if (!isSignedBy(key, checked.timestamp, rawBody, signature ?? "")) {
          return unsigned(c, "The event webhook signature is missing or invalid.");
        }
      } finally {
        admission.release();
      }

      // 3. Only a verified body is decoded and parsed.
      let parsed: unknown;
      try {
        parsed = JSON.parse(utf8.decode(rawBody));
      } catch {
        return errorResponse(c, 400, "invalid_request", "The body is not UTF-8 JSON.");
      }
      const illFormed = findIllFormedText(parsed);
      if (illFormed !== undefined) {
        return errorResponse(
          c,
          400,
          "invalid_request",
          `The body holds text that is not well-formed Unicode (at ${illFormed}).`,
        );
      }
      const events = parseSendGridEvents(parsed);
      if (!events)
        return errorResponse(c, 400, "invalid_request", "The body must be a JSON array of events.");
      let applied: AppliedEvent[];
      try {
        applied = await applyDeliveryEvents(deps.repo, events);
      } catch (error) {
        // SendGrid retries a delivery that was not answered with 2xx, so nothing is lost.
        deps.logger.error({ err: error }, "delivery events not stored");
        return errorResponse(c, 503, "temporarily_unavailable", "Try again later.");
      }
      if (applied.length > 0) {
        deps
          .onApplied(applied)
          .catch((error) => deps.logger.warn({ err: error }, "delivery status not forwarded"));
      }
      return c.body(null, 204);
    },
  );
  return route;
}
