import { SIGNATURE_HEADER } from "../hmac-signature.ts";
import { postBody } from "../outbound-post.ts";

/** One signed POST of an event's body to an endpoint. */
export interface WebhookRequest {
  url: string;
  eventId: string;
  eventType: string;
  body: string;
  signature: string;
}

/** Sends a webhook; resolves on a 2xx answer, throws PostRefusedError otherwise. */
export type WebhookSender = (request: WebhookRequest) => Promise<void>;

/** Sends a webhook with postBody. */
export function createHttpWebhookSender({
  timeoutMillis,
}: {
  timeoutMillis: number;
}): WebhookSender {
  return (request) =>
    postBody({
      url: request.url,
      headers: {
        "Content-Type": "application/json",
        "User-Agent": "Passdesk-Webhooks/1",
        [SIGNATURE_HEADER]: request.signature,
        "X-Passdesk-Event-Id": request.eventId,
        "X-Passdesk-Event-Type": request.eventType,
        "Idempotency-Key": request.eventId,
      },
      body: request.body,
      timeoutMillis,
    });
}
