import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer, type IncomingHttpHeaders, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Ajv, type ErrorObject } from "ajv";
import { sleep } from "./wait-for.ts";

// SendGrid's Mail Send request schema, kept in the repository (source and licence: test/fixtures/README.md).
const SCHEMA_URL = new URL("../fixtures/sendgrid-mail-send.schema.json", import.meta.url);

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** Parsed JSON, or the raw text when it was not JSON. */
  body: unknown;
  /** Schema errors, empty when the body is a valid Mail Send request. */
  schemaErrors: string[];
  /** The status the fake answered, or null while it hangs. */
  status: number | null;
}

export interface FakeSentEmail {
  to: string[];
  from: { email: string; name?: string };
  subject: string;
  text: string | undefined;
  html: string | undefined;
  customArgs: Record<string, string>;
  trackingSettings: unknown;
  messageId: string;
}

export interface FailureOptions {
  /** Only the next N requests fail; without it, every request until recover(). */
  times?: number;
  retryAfter?: string;
  rateLimitReset?: number;
  /** SendGrid-style error messages for the body. */
  messages?: string[];
}

export interface FakeSendGrid {
  /** The API base without /v3: what SENDGRID_API_URL is set to. */
  url: string;
  requests: RecordedRequest[];
  /** The emails the fake accepted (answered 202). */
  sentEmails(): FakeSentEmail[];
  failWith(status: number, options?: FailureOptions): void;
  /** Never answer the next N requests (all, without N) until recover(). */
  hang(times?: number): void;
  delayResponses(millis: number): void;
  /** Back to answering 202 at once. */
  recover(): void;
  waitForEmails(count: number, timeoutMillis?: number): Promise<FakeSentEmail[]>;
  close(): Promise<void>;
}

type Mode =
  | { kind: "accept" }
  | { kind: "fail"; status: number; options: FailureOptions; remaining: number }
  | { kind: "hang"; remaining: number };

/** A real HTTP server on 127.0.0.1 that speaks enough of SendGrid's v3 Mail Send API. */
export async function startFakeSendGrid(): Promise<FakeSendGrid> {
  const validate = createSchemaValidator();
  const requests: RecordedRequest[] = [];
  const accepted: FakeSentEmail[] = [];
  const waiters = new Set<() => void>();
  let mode: Mode = { kind: "accept" };
  let delayMillis = 0;

  const server = createServer(async (request, response) => {
    const text = await readBody(request);
    const body = parseJson(text);
    const recorded: RecordedRequest = {
      method: request.method ?? "",
      path: request.url ?? "",
      headers: request.headers,
      body,
      schemaErrors: body === undefined ? ["body is not JSON"] : validate(body),
      status: null,
    };
    requests.push(recorded);
    const current = takeMode();
    if (current.kind === "hang") return;
    if (delayMillis > 0) await sleep(delayMillis);
    const answer = (status: number, payload?: object, headers: Record<string, string> = {}) => {
      recorded.status = status;
      respond(response, status, payload, headers);
    };

    if (recorded.method !== "POST" || recorded.path !== "/v3/mail/send") {
      return answer(404, sendGridErrors(["Not found"]));
    }
    if (!/^Bearer \S+$/.test(request.headers.authorization ?? "")) {
      return answer(401, sendGridErrors(["The provided authorization grant is invalid"]));
    }
    if (recorded.schemaErrors.length > 0) return answer(400, sendGridErrors(recorded.schemaErrors));
    if (current.kind === "fail") {
      const { status, options } = current;
      const headers: Record<string, string> = {};
      if (options.retryAfter !== undefined) headers["Retry-After"] = options.retryAfter;
      if (options.rateLimitReset !== undefined) {
        headers["X-RateLimit-Reset"] = String(options.rateLimitReset);
      }
      return answer(
        status,
        sendGridErrors(options.messages ?? [`fake failure ${status}`]),
        headers,
      );
    }
    const messageId = `fake-${randomUUID()}`;
    accepted.push(viewEmail(body, messageId));
    answer(202, undefined, { "X-Message-Id": messageId });
    for (const wake of waiters) wake();
  });

  function takeMode(): Mode {
    const current = mode;
    if (current.kind !== "accept" && Number.isFinite(current.remaining)) {
      current.remaining -= 1;
      if (current.remaining <= 0) mode = { kind: "accept" };
    }
    return current;
  }

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    sentEmails: () => [...accepted],
    failWith(status, options = {}) {
      mode = { kind: "fail", status, options, remaining: options.times ?? Infinity };
    },
    hang(times) {
      mode = { kind: "hang", remaining: times ?? Infinity };
    },
    delayResponses(millis) {
      delayMillis = millis;
    },
    recover() {
      mode = { kind: "accept" };
      delayMillis = 0;
    },
    waitForEmails(count, timeoutMillis = 5_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (accepted.length < count) return;
          cleanUp();
          resolve([...accepted]);
        };
        const timer = setTimeout(() => {
          cleanUp();
          reject(
            new Error(
              `fake SendGrid: ${accepted.length} of ${count} emails after ${timeoutMillis} ms`,
            ),
          );
        }, timeoutMillis);
        const cleanUp = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    close() {
      return new Promise((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // Hanging requests would keep close() waiting forever.
        server.closeAllConnections();
      });
    },
  };
}

function createSchemaValidator(): (body: unknown) => string[] {
  const schema = JSON.parse(readFileSync(SCHEMA_URL, "utf8")) as object;
  const ajv = new Ajv({ strict: false, allErrors: true });
  // The schema uses format "email"; a pragmatic check without pulling in ajv-formats.
  ajv.addFormat("email", /^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/);
  const check = ajv.compile(schema);
  return (body) => (check(body) ? [] : (check.errors ?? []).map(describeSchemaError));
}

function describeSchemaError(error: ErrorObject): string {
  return `${error.instancePath || "(body)"} ${error.message ?? "is invalid"}`;
}

function sendGridErrors(messages: string[]): object {
  return { errors: messages.map((message) => ({ message, field: null, help: null })) };
}

function viewEmail(body: unknown, messageId: string): FakeSentEmail {
  const mail = body as {
    personalizations: Array<{ to?: Array<{ email: string }> }>;
    from: { email: string; name?: string };
    subject: string;
    content: Array<{ type: string; value: string }>;
    custom_args?: Record<string, string>;
    tracking_settings?: unknown;
  };
  const content = (type: string) => mail.content.find((part) => part.type === type)?.value;
  return {
    to: mail.personalizations.flatMap((p) => (p.to ?? []).map((recipient) => recipient.email)),
    from: mail.from,
    subject: mail.subject,
    text: content("text/plain"),
    html: content("text/html"),
    customArgs: mail.custom_args ?? {},
    trackingSettings: mail.tracking_settings,
    messageId,
  };
}

async function readBody(request: AsyncIterable<Buffer>): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk);
  return Buffer.concat(chunks).toString("utf8");
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function respond(
  response: ServerResponse,
  status: number,
  payload: object | undefined,
  headers: Record<string, string>,
): void {
  if (response.destroyed) return;
  const text = payload === undefined ? "" : JSON.stringify(payload);
  response.writeHead(status, {
    ...headers,
    ...(payload === undefined ? {} : { "Content-Type": "application/json" }),
  });
  response.end(text);
}
