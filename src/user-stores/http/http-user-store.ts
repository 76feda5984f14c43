import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { z } from "zod";
import { SIGNATURE_HEADER, signPayload, verifySignature } from "../../hmac-signature.ts";
import { isValidEmail, MAX_EMAIL_LENGTH, normalizeEmail } from "../../users/email.ts";
import {
  type ExternalPasswordChange,
  type ExternalProfile,
  ExternalStoreUnavailableError,
  type ExternalUserStore,
} from "../../users/external-store.ts";

/*
 * The ExternalUserStore of a connection whose users live behind the organisation's own API
 * (docs: POST get_user, verify_password, change_password). Both directions are signed with the
 * shared secret: the store must know the request is Passdesk's, and Passdesk must not take a
 * spoofed or replayed answer for the store's (an unsigned "200" to verify_password would let
 * anyone in).
 */

export interface HttpUserStoreOptions {
  /** Passdesk connection name, for error messages. */
  connection: string;
  /** Already validated by checkStoreBaseUrl; with or without a trailing "/". */
  baseUrl: string;
  /** The signing secret (read from the environment by the caller). */
  secret: string;
  /** Passdesk's bounded hasher.verify, for a password_hash the store returns. */
  verifyHash: (hash: string, password: string) => Promise<boolean>;
  /** Per attempt; 5000 by default. */
  timeoutMillis?: number;
  /** Extra attempts after a failure; 2 by default. */
  retries?: number;
  /** 64 KiB by default. */
  maxResponseBytes?: number;
  /** Milliseconds since the epoch, for tests. */
  now?: () => number;
}

/** Probed by check(): `.invalid` (RFC 2606) can be no one's address. */
export const CHECK_EMAIL = "passdesk-connection-check@invalid.example";

/** At most this many get_user calls in flight for one getUsers. */
const MAX_IN_FLIGHT = 8;
const MAX_TEXT = 300;

type Endpoint = "get_user" | "verify_password" | "change_password";

/** What went wrong, so that check() can say what to fix. */
type FailureKind = "unreachable" | "signature" | "contract";

/** Failures after which the store certainly applied nothing (see StoreClient.call). */
const NOT_APPLIED = /^(connection refused|unknown host|HTTP 5\d\d)$/;

/** An ExternalStoreUnavailableError that remembers which kind of failure it was. */
class HttpStoreUnavailableError extends ExternalStoreUnavailableError {
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

const text = z.string().max(MAX_TEXT);
const optionalText = text.nullish();

const userSchema = z.object({
  user_id: z.union([z.string().min(1).max(MAX_TEXT), z.int()]),
  email: z
    .string()
    .max(MAX_EMAIL_LENGTH)
    .transform(normalizeEmail)
    .pipe(z.string().refine(isValidEmail)),
  name: optionalText,
  given_name: optionalText,
  family_name: optionalText,
  nickname: optionalText,
  email_verified: z.boolean().nullish(),
  blocked: z.boolean().nullish(),
  password_hash: optionalText,
});

export function createHttpUserStore(options: HttpUserStoreOptions): ExternalUserStore {
  const client = new StoreClient(options);
  const verifyHash = options.verifyHash;

  async function getUser(email: string): Promise<ExternalProfile | undefined> {
    const wanted = normalizeEmail(email);
    if (!isValidEmail(wanted)) return undefined;
    const answer = await client.call("get_user", { email: wanted }, randomUUID(), [200, 404]);
    if (answer.status === 404) return undefined;
    const profile = client.parse(answer, "get_user", userSchema, toProfile);
    // A broken or malicious store must not redirect mail meant for one address to another.
    return profile.email === wanted ? profile : undefined;
  }

  return {
    description: `http ${client.base.origin}${client.base.pathname.replace(/\/$/, "")}`,
    getUser,
    getUsers: (emails) => getUsersLimited(emails, getUser),

    async verifyPassword(profile, password) {
      if (profile.passwordHash) return verifyHash(profile.passwordHash, password);
      const body = { user_id: profile.externalId, email: profile.email, password };
      const answer = await client.call("verify_password", body, randomUUID(), [200, 401]);
      return answer.status === 200;
    },

    async changePassword(profile, change: ExternalPasswordChange) {
      const body = { user_id: profile.externalId, email: profile.email, password: change.password };
      const answer = await client.call("change_password", body, change.idempotencyKey, [200, 404]);
      return answer.status === 200 ? "changed" : "not_found";
    },

    async check() {
      try {
        const answer = await client.call(
          "get_user",
          { email: CHECK_EMAIL },
          randomUUID(),
          [200, 404],
        );
        if (answer.status === 200) client.parse(answer, "get_user", userSchema, toProfile);
      } catch (error) {
        throw new Error(describeCheckFailure(options.connection, error));
      }
    },

    close: async () => {},
  };
}

/** Sends signed, retried calls and returns only answers signed with the secret. */
class StoreClient {
  readonly base: URL;
  private readonly timeoutMillis: number;
  private readonly retries: number;
  private readonly maxResponseBytes: number;
  private readonly now: () => number;

  constructor(private readonly options: HttpUserStoreOptions) {
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

/** The first `get_user` answer's fields, in Passdesk's shape. */
function toProfile(user: z.output<typeof userSchema>): ExternalProfile {
  return {
    externalId: String(user.user_id),
    email: user.email,
    emailVerified: user.email_verified ?? false,
    name: user.name ?? null,
    givenName: user.given_name ?? null,
    familyName: user.family_name ?? null,
    nickname: user.nickname ?? null,
    blocked: user.blocked ?? false,
    passwordHash: user.password_hash || null,
  };
}

/** getUser for each distinct email, at most MAX_IN_FLIGHT at once, in the given order. */
async function getUsersLimited(
  emails: string[],
  getUser: (email: string) => Promise<ExternalProfile | undefined>,
): Promise<ExternalProfile[]> {
  const distinct = [...new Set(emails.map(normalizeEmail))];
  const found: (ExternalProfile | undefined)[] = new Array(distinct.length);
  let next = 0;
  let failed = false;
  async function worker(): Promise<void> {
    while (!failed && next < distinct.length) {
      const index = next++;
      try {
        found[index] = await getUser(distinct[index] as string);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  }
  const workers = Math.min(MAX_IN_FLIGHT, distinct.length);
  await Promise.all(Array.from({ length: workers }, worker));
  return found.filter((profile) => profile !== undefined);
}

/** One line for `connections check`: what failed and what to look at. */
function describeCheckFailure(connection: string, error: unknown): string {
  if (!(error instanceof HttpStoreUnavailableError)) {
    return `connection ${connection}: the user store check failed`;
  }
  const where = error.endpointUrl;
  switch (error.kind) {
    case "unreachable":
      return `connection ${connection}: cannot reach ${where} (${error.why})`;
    case "signature":
      return `connection ${connection}: answers from ${where} are not signed with the configured secret (${error.why})`;
    case "contract":
      if (error.why === "HTTP 401" || error.why === "HTTP 403") {
        return `connection ${connection}: ${where} refuses Passdesk's requests (${error.why}); is the secret the same on both sides?`;
      }
      return `connection ${connection}: ${where} does not answer as the contract says (${error.why})`;
  }
}
