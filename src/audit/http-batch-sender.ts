import { SIGNATURE_HEADER, signPayload } from "../hmac-signature.ts";
import { postBody } from "../outbound-post.ts";
import type { AuditBatchSender } from "./stream.ts";

/**
 * The audit stream's batches as `application/x-ndjson` POSTs to AUDIT_STREAM_URL, signed like
 * webhooks (`X-Passdesk-Signature: t=…,v1=…`) when AUDIT_STREAM_SECRET is set, with the batch's
 * `Idempotency-Key`. A refusal or failure throws (with `reason` and `retryAfterSeconds`).
 */
export function createHttpAuditSender(options: {
  url: string;
  secret?: string | undefined;
  timeoutMillis: number;
  nowSeconds?: () => number;
}): AuditBatchSender {
  const nowSeconds = options.nowSeconds ?? (() => Date.now() / 1000);
  return ({ body, idempotencyKey }) =>
    postBody({
      url: options.url,
      headers: {
        "Content-Type": "application/x-ndjson",
        "User-Agent": "Passdesk-Audit-Stream/1",
        "Idempotency-Key": idempotencyKey,
        ...(options.secret && {
          [SIGNATURE_HEADER]: signPayload(options.secret, body, nowSeconds()),
        }),
      },
      body,
      timeoutMillis: options.timeoutMillis,
    });
}
