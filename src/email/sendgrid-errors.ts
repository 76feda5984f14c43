import { MailerError } from "./mailer.ts";

// The raw errors from @sendgrid/client carry axios's request config, Authorization header
// included, and the request body with the reset link. They are never kept: these two errors copy
// only what is safe to log and become the MailerError's cause.

/** The request did not complete: connection refused or reset, DNS failure, timeout. */
export class SendGridNetworkError extends Error {
  constructor(readonly code: string | undefined) {
    super(`SendGrid request failed${code ? ` (${code})` : ""}`);
    this.name = "SendGridNetworkError";
  }
}

/** SendGrid answered with an error status. */
export class SendGridStatusError extends Error {
  constructor(
    readonly status: number,
    readonly providerMessages: string[],
  ) {
    const detail = providerMessages.length > 0 ? `: ${providerMessages.join("; ")}` : "";
    super(`SendGrid answered ${status}${detail}`);
    this.name = "SendGridStatusError";
  }
}

// Codes that prove the request never reached SendGrid; after any other network error the
// message may have been accepted before the connection broke.
const NOT_SENT_CODES = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
]);
const TIMEOUT_CODES = new Set(["ECONNABORTED", "ETIMEDOUT"]);

export interface ClassifyOptions {
  /** Scrubbed from provider messages, in case an error ever echoes it. */
  apiKey: string;
  nowMillis: number;
}

/** Maps whatever @sendgrid/mail threw into a MailerError that says whether a retry can help. */
export function classifySendGridFailure(error: unknown, options: ClassifyOptions): MailerError {
  const failure = readFailure(error);
  if (failure.kind === "status") {
    const { status, headers, body } = failure;
    const messages = readProviderMessages(body).map((message) =>
      scrubMessage(message, options.apiKey),
    );
    const cause = new SendGridStatusError(status, messages);
    if (status === 429) {
      const retryAfterSeconds = readRetryAfterSeconds(headers, options.nowMillis);
      const details = retryAfterSeconds === undefined ? { status } : { status, retryAfterSeconds };
      return new MailerError(cause.message, "retryable", details, { cause });
    }
    const kind = status >= 500 ? "retryable" : "permanent";
    return new MailerError(cause.message, kind, { status }, { cause });
  }
  if (failure.kind === "network") {
    const cause = new SendGridNetworkError(failure.code);
    const timedOut = failure.code !== undefined && TIMEOUT_CODES.has(failure.code);
    const message = timedOut ? "SendGrid request timed out" : cause.message;
    const outcomeUnknown = failure.code === undefined || !NOT_SENT_CODES.has(failure.code);
    return new MailerError(message, "retryable", { outcomeUnknown }, { cause });
  }
  // Thrown before any request (the helper rejected the message): retrying cannot help.
  return new MailerError(`SendGrid request not sent: ${failure.message}`, "permanent");
}

type Failure =
  | { kind: "status"; status: number; headers: unknown; body: unknown }
  | { kind: "network"; code: string | undefined }
  | { kind: "invalid"; message: string };

function readFailure(error: unknown): Failure {
  const raw = (typeof error === "object" && error !== null ? error : {}) as Record<string, unknown>;
  // @sendgrid/client's ResponseError: `code` is the HTTP status, `response` is { headers, body }.
  const response = raw.response as { headers?: unknown; body?: unknown } | undefined;
  if (typeof raw.code === "number" && response !== undefined) {
    return { kind: "status", status: raw.code, headers: response.headers, body: response.body };
  }
  if (raw.isAxiosError === true) {
    // An unexpected non-error status (e.g. a redirect axios did not follow) is still an answer.
    const answer = raw.response as
      | { status?: unknown; headers?: unknown; data?: unknown }
      | undefined;
    if (typeof answer?.status === "number") {
      return { kind: "status", status: answer.status, headers: answer.headers, body: answer.data };
    }
    return { kind: "network", code: typeof raw.code === "string" ? raw.code : undefined };
  }
  const message = error instanceof Error ? error.message : "unknown error";
  return { kind: "invalid", message: message.replaceAll(/[\r\n]+/g, " ").slice(0, 200) };
}

function scrubMessage(message: string, apiKey: string): string {
  const scrubbed = apiKey === "" ? message : message.replaceAll(apiKey, "[redacted]");
  return scrubbed.slice(0, 500);
}

function readProviderMessages(body: unknown): string[] {
  const errors = (body as { errors?: unknown } | null | undefined)?.errors;
  if (!Array.isArray(errors)) return [];
  return errors
    .map((entry) => (entry as { message?: unknown } | null)?.message)
    .filter((message): message is string => typeof message === "string" && message !== "");
}

/** Retry-After (seconds or an HTTP date), else X-RateLimit-Reset (epoch seconds). */
function readRetryAfterSeconds(headers: unknown, nowMillis: number): number | undefined {
  const retryAfter = readHeader(headers, "retry-after");
  if (retryAfter !== undefined) {
    if (/^\d+$/.test(retryAfter)) return Number(retryAfter);
    const date = Date.parse(retryAfter);
    if (!Number.isNaN(date)) return Math.max(0, Math.ceil((date - nowMillis) / 1000));
  }
  const reset = readHeader(headers, "x-ratelimit-reset");
  if (reset !== undefined && /^\d+$/.test(reset)) {
    return Math.max(0, Number(reset) - Math.floor(nowMillis / 1000));
  }
  return undefined;
}

export function readHeader(headers: unknown, name: string): string | undefined {
  if (typeof headers !== "object" || headers === null) return undefined;
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== name) continue;
    const first: unknown = Array.isArray(value) ? value[0] : value;
    return first === undefined || first === null ? undefined : String(first).trim();
  }
  return undefined;
}
