import { setTimeout as sleep } from "node:timers/promises";
import type { z } from "zod";
import { SIGNATURE_HEADER, signPayload, verifySignature } from "../../hmac-signature.ts";
import { ExternalStoreUnavailableError } from "../../users/external-store.ts";

/*
 * The HTTP side of a connection whose users live behind the organisation's own API (see
 * http-user-store.ts): signed requests, retries with the same idempotency key, and only answers
 * signed with the shared secret, recently, taken for the store's.
 */

export interface StoreClientOptions {
  /** Passdesk connection name, for error messages. */
  connection: string;
  /** Already validated by checkStoreBaseUrl; with or without a trailing "/". */
  baseUrl: string;
  /** The signing secret (read from the environment by the caller). */
  secret: string;
  /** Per attempt; 5000 by default. */
  timeoutMillis?: number;
  /** Extra attempts after a failure; 2 by default. */
  retries?: number;
  /** 64 KiB by default. */
  maxResponseBytes?: number;
  /** Milliseconds since the epoch, for tests. */
  now?: () => number;
}

type Endpoint = "get_user" | "verify_password" | "change_password";

/** What went wrong, so that check() can say what to fix. */
type FailureKind = "unreachable" | "signature" | "contract";

/** Failures after which the store certainly applied nothing (see StoreClient.call). */
const NOT_APPLIED = /^(connection refused|unknown host|HTTP 5\d\d)$/;

/** An ExternalStoreUnavailableError that remembers which kind of failure it was. */
export class HttpStoreUnavailableError extends ExternalStoreUnavailableError {
  constructor(
    connection: string,
    why: string,
    readonly kind: FailureKind,
    readonly endpointUrl: string,
    outcomeUnknown = false,
  ) {
    super(connection, why, outcomeUnknown);
  }
}

interface SignedAnswer {
  status: number;
  body: Buffer;
}

type Attempt =
  | { outcome: "answer"; answer: SignedAnswer }
  | { outcome: "retry" | "fail"; why: string; kind: FailureKind };

/** Sends signed, retried calls and returns only answers signed with the secret. */
export class StoreClient {
  readonly base: URL;
  private readonly timeoutMillis: number;
  private readonly retries: number;
  private readonly maxResponseBytes: number;
  private readonly now: () => number;

  constructor(private readonly options: StoreClientOptions) {
    this.base = new URL(options.baseUrl.endsWith("/") ? options.baseUrl : `${options.baseUrl}/`);
    this.timeoutMillis = options.timeoutMillis ?? 5000;
    this.retries = options.retries ?? 2;
    this.maxResponseBytes = options.maxResponseBytes ?? 64 * 1024;
    this.now = options.now ?? Date.now;
  }

  /**
   * POSTs `payload` until an answer with one of the `expected` statuses comes back signed;
   * retries (same idempotency key) after network errors, timeouts and 5xx, never after 4xx.
   */
  async call(
    endpoint: Endpoint,
    payload: Record<string, string>,
    idempotencyKey: string,
    expected: readonly number[],
  ): Promise<SignedAnswer> {
    const url = new URL(endpoint, this.base);
    const body = JSON.stringify(payload);
    // Whether some attempt may have been applied: the request was sent, but no answer Passdesk
    // trusts came back (a timeout, a lost connection, an unsigned or malformed answer). Refused
    // connections and 5xx answers applied nothing.
    let outcomeUnknown = false;
    for (let attempt = 0; ; attempt += 1) {
      const result = await this.attempt(url, body, idempotencyKey, expected);
      if (result.outcome === "answer") return result.answer;
      outcomeUnknown ||= !NOT_APPLIED.test(result.why);
      if (result.outcome === "fail" || attempt >= this.retries) {
        throw new HttpStoreUnavailableError(
          this.options.connection,
          result.why,
          result.kind,
          url.href,
          outcomeUnknown,
        );
      }
      await sleep(backoffMillis(attempt));
    }
  }

  /** The answer's JSON through `schema`, or unavailable ("malformed answer"). */
  parse<S extends z.ZodType, T>(
    answer: SignedAnswer,
    endpoint: Endpoint,
    schema: S,
    map: (value: z.output<S>) => T,
  ): T {
    let json: unknown;
    try {
      json = JSON.parse(answer.body.toString("utf8"));
    } catch {
      json = undefined;
    }
    const parsed = schema.safeParse(json);
    if (parsed.success) return map(parsed.data);
    const url = new URL(endpoint, this.base).href;
    const connection = this.options.connection;
    throw new HttpStoreUnavailableError(connection, "malformed answer", "contract", url);
  }

  private async attempt(
    url: URL,
    body: string,
    idempotencyKey: string,
    expected: readonly number[],
  ): Promise<Attempt> {
    try {
      const response = await fetch(url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "idempotency-key": idempotencyKey,
          [SIGNATURE_HEADER]: signPayload(this.options.secret, body, this.nowSeconds()),
        },
        body,
        redirect: "error",
        signal: AbortSignal.timeout(this.timeoutMillis),
      });
      return await this.judge(response, expected);
    } catch (error) {
      return describeNetworkError(error);
    }
  }

  /** Trusts an expected status only with its body signed by the store, recently. */
  private async judge(response: Response, expected: readonly number[]): Promise<Attempt> {
    if (response.status >= 500) {
      await response.body?.cancel();
      return { outcome: "retry", why: `HTTP ${response.status}`, kind: "unreachable" };
    }
    if (!expected.includes(response.status)) {
      await response.body?.cancel();
      return { outcome: "fail", why: `HTTP ${response.status}`, kind: "contract" };
    }
    const body = await readLimited(response, this.maxResponseBytes);
    if (!body) return { outcome: "fail", why: "answer too large", kind: "contract" };
    const signature = response.headers.get(SIGNATURE_HEADER);
    if (!signature) return { outcome: "fail", why: "unsigned answer", kind: "signature" };
    if (!verifySignature(this.options.secret, signature, body, this.nowSeconds())) {
      return { outcome: "fail", why: "wrongly signed or stale answer", kind: "signature" };
    }
    return { outcome: "answer", answer: { status: response.status, body } };
  }

  private nowSeconds(): number {
    return Math.floor(this.now() / 1000);
  }
}

/** 100 ms, 300 ms, 900 ms …, capped at 2 s. */
function backoffMillis(attempt: number): number {
  return Math.min(100 * 3 ** attempt, 2000);
}

/**
 * The body, or undefined once it passes `maxBytes`. Streamed: a missing or lying Content-Length
 * must not make Passdesk buffer an endless answer.
 */
async function readLimited(response: Response, maxBytes: number): Promise<Buffer | undefined> {
  const declared = Number(response.headers.get("content-length") ?? 0);
  if (declared > maxBytes || !response.body) {
    await response.body?.cancel();
    return response.body ? undefined : Buffer.alloc(0);
  }
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return Buffer.concat(chunks, size);
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      return undefined;
    }
    chunks.push(value);
  }
}

/** A short reason from fetch's error: its cause's code, never its message (it may quote a URL). */
function describeNetworkError(error: unknown): Attempt {
  const name = error instanceof Error ? error.name : "";
  if (name === "TimeoutError" || name === "AbortError") {
    return { outcome: "retry", why: "timeout", kind: "unreachable" };
  }
  const cause = causeOf(error);
  if (cause.message === "unexpected redirect") {
    return { outcome: "fail", why: "redirected", kind: "contract" };
  }
  return { outcome: "retry", why: reasonForCode(cause.code), kind: "unreachable" };
}

function causeOf(error: unknown): { code?: string; message?: string } {
  const cause = (error as { cause?: { code?: unknown; message?: unknown; errors?: unknown } })
    ?.cause;
  if (!cause) return {};
  // Happy eyeballs: an AggregateError whose errors carry the codes.
  const first = Array.isArray(cause.errors) ? (cause.errors[0] as { code?: unknown }) : cause;
  return {
    code: typeof first?.code === "string" ? first.code : undefined,
    message: typeof cause.message === "string" ? cause.message : undefined,
  };
}

const REASONS: Record<string, string> = {
  ECONNREFUSED: "connection refused",
  ECONNRESET: "connection reset",
  EPIPE: "connection reset",
  UND_ERR_SOCKET: "connection closed",
  ENOTFOUND: "unknown host",
  EAI_AGAIN: "unknown host",
  ETIMEDOUT: "timeout",
  UND_ERR_CONNECT_TIMEOUT: "timeout",
  UND_ERR_HEADERS_TIMEOUT: "timeout",
  UND_ERR_BODY_TIMEOUT: "timeout",
  EHOSTUNREACH: "host unreachable",
  ENETUNREACH: "network unreachable",
};

function reasonForCode(code: string | undefined): string {
  if (!code) return "network error";
  return REASONS[code] ?? `network error (${code.replace(/[^\w]/g, "").slice(0, 40)})`;
}
