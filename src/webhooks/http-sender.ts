import { SIGNATURE_HEADER } from "../hmac-signature.ts";

/** One signed POST of an event's body to an endpoint. */
export interface WebhookRequest {
  url: string;
  eventId: string;
  eventType: string;
  body: string;
  signature: string;
}

/**
 * A delivery the receiver did not accept. `reason` is short and safe to store and log: a status
 * code or the kind of network failure, never the URL, a header or the receiver's answer.
 */
export class WebhookSendError extends Error {
  constructor(
    readonly reason: string,
    /** The receiver's Retry-After, in seconds, when it gave one. */
    readonly retryAfterSeconds?: number,
  ) {
    super(`webhook not accepted: ${reason}`);
    this.name = "WebhookSendError";
  }
}

/** Sends a webhook; resolves on a 2xx answer, throws WebhookSendError otherwise. */
export type WebhookSender = (request: WebhookRequest) => Promise<void>;

/**
 * Sends with fetch: no redirect is followed (a receiver that moved is re-added by hand, and a
 * redirect must not carry the signed body elsewhere), the answer's body is never read, and the
 * whole exchange is bounded by `timeoutMillis`.
 */
export function createHttpWebhookSender({
  timeoutMillis,
}: {
  timeoutMillis: number;
}): WebhookSender {
  return async (request) => {
    let response: Response;
    try {
      response = await fetch(request.url, {
        method: "POST",
        headers: {
          "Content-Type": "application/json",
          "User-Agent": "Passdesk-Webhooks/1",
          [SIGNATURE_HEADER]: request.signature,
          "X-Passdesk-Event-Id": request.eventId,
          "X-Passdesk-Event-Type": request.eventType,
          "Idempotency-Key": request.eventId,
        },
        body: request.body,
        redirect: "error",
        signal: AbortSignal.timeout(timeoutMillis),
      });
    } catch (error) {
      throw new WebhookSendError(describeNetworkFailure(error, timeoutMillis));
    }
    await response.body?.cancel().catch(() => {});
    if (response.status >= 200 && response.status < 300) return;
    throw new WebhookSendError(`HTTP ${response.status}`, retryAfterOf(response.headers));
  };
}

function describeNetworkFailure(error: unknown, timeoutMillis: number): string {
  if (error instanceof DOMException && error.name === "TimeoutError") {
    return `no answer within ${timeoutMillis} ms`;
  }
  const cause = (error as { cause?: { code?: unknown; message?: unknown } } | null)?.cause;
  if (typeof cause?.code === "string" && /^[A-Z_]+$/.test(cause.code))
    return `network error (${cause.code})`;
  if (typeof cause?.message === "string" && /redirect/i.test(cause.message))
    return "redirect refused";
  return "network error";
}

/** Retry-After in seconds (the date form is rare for webhooks and is ignored). */
function retryAfterOf(headers: Headers): number | undefined {
  const value = headers.get("retry-after")?.trim();
  return value && /^\d{1,6}$/.test(value) ? Number(value) : undefined;
}
