import { EventWebhook, EventWebhookHeader } from "@sendgrid/eventwebhook";
import { Hono } from "hono";
import type { Repository } from "../../db/stores.ts";
import { type AppliedEvent, applyDeliveryEvents } from "../../email/apply-delivery-events.ts";
import { parseSendGridEvents } from "../../email/delivery-events.ts";
import type { Logger } from "../../logger.ts";
import { errorResponse } from "../errors.ts";
import { limitBodySize } from "../limit-body-size.ts";

export interface SendGridWebhookDependencies {
  repo: Repository;
  logger: Logger;
  /** The "Signed Event Webhook" verification key from SendGrid's Mail Settings (base64 DER or PEM). */
  publicKey: string;
  /** Told about newly applied events, after they are stored (for example to update Slack). */
  onApplied(applied: AppliedEvent[]): Promise<void>;
}

const MAX_BODY_BYTES = 5 * 1024 * 1024;

/** `POST /webhooks/sendgrid`: SendGrid's signed Event Webhook, the source of delivery status. */
export function createSendGridWebhookRoute(deps: SendGridWebhookDependencies): Hono {
  const route = new Hono();
  const webhook = new EventWebhook();
  const key = webhook.convertPublicKeyToECDSA(deps.publicKey);

  function isSigned(
    body: string,
    signature: string | undefined,
    timestamp: string | undefined,
  ): boolean {
    if (!signature || !timestamp) return false;
    try {
      return webhook.verifySignature(key, body, signature, timestamp);
    } catch {
      return false;
    }
  }

  route.post(
    "/webhooks/sendgrid",
    limitBodySize(MAX_BODY_BYTES, (c) =>
      errorResponse(c, 413, "request_too_large", "Body too large."),
    ),
    async (c) => {
      const body = await c.req.text();
      if (
        !isSigned(
          body,
          c.req.header(EventWebhookHeader.SIGNATURE()),
          c.req.header(EventWebhookHeader.TIMESTAMP()),
        )
      ) {
        return errorResponse(
          c,
          401,
          "invalid_signature",
          "The event webhook signature is missing or invalid.",
        );
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(body);
      } catch {
        return errorResponse(c, 400, "invalid_request", "The body is not JSON.");
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
