import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import bcrypt from "bcryptjs";
import type postgres from "postgres";
import { SIGNATURE_HEADER, signPayload, verifySignature } from "../../src/hmac-signature.ts";

/*
 * An organisation's app as Passdesk's HTTP user store sees it: a real HTTP server on 127.0.0.1
 * over its own users table in PostgreSQL, bcrypt digests (bcryptjs, cost 4), signed both ways,
 * with an Idempotency-Key store for change_password. The controls make it slow, down, failing,
 * unsigned or misbehaving, so the adapter is tested against the wire rather than a mock.
 */

export interface HttpUserStoreServerOptions {
  sql: postgres.Sql;
  /** The app's users table, created if missing; the test drops it. */
  table: string;
  secret: string;
  /** Where the API lives on the server, e.g. "/passdesk" (no trailing "/"); "" by default. */
  basePath?: string;
}

export interface NewStoreUser {
  email: string;
  name?: string;
  password: string;
  disabled?: boolean;
}

export interface RecordedCall {
  path: string;
  idempotencyKey: string | undefined;
  /** The status answered, or null while the call is in progress (or was abandoned). */
  status: number | null;
}

export interface HttpUserStoreServer {
  /** The base URL to give the adapter (ends with basePath, no trailing "/"). */
  readonly url: string;
  /** Waits this long before handling each request. */
  delayMillis: number;
  /** Answers carry no signature header. */
  unsigned: boolean;
  /** get_user includes `password_hash` (the stored digest); true by default. */
  returnPasswordHash: boolean;
  /** Signs answers with this secret instead of the shared one. */
  answerSecret: string | undefined;
  /** Signs answers with a timestamp this far off (stale answers). */
  answerSkewSeconds: number;
  /** get_user answers with this email instead of the user's (a broken or malicious store). */
  answerEmail: string | undefined;
  /** Pads 200 answers with a field of this many bytes (oversized answers). */
  paddingBytes: number;
  /** Answers without Content-Length, in 16 KiB chunks. */
  streamAnswers: boolean;
  /** change_password requests (only those) wait this long before they are handled. */
  changeDelayMillis: number;
  /**
   * change_password answers are held once the change is applied (or replayed): the app wrote the
   * password, but the caller hears nothing until this is set back to false (which sends them).
   */
  holdChangeAnswers: boolean;
  /** change_password answers held right now (see holdChangeAnswers). */
  readonly heldAnswers: number;
  /** change_password calls that actually updated a row. */
  readonly changeCount: number;
  /** Every request received, in order. */
  readonly calls: RecordedCall[];
  /** The most requests handled at once since the last reset(). */
  readonly peakInFlight: number;
  /** Back to a well-behaved app: every control to its default, calls and peakInFlight cleared. */
  reset(): void;
  /** The next `count` requests get `status` (500 by default), unsigned and unprocessed. */
  failNext(count: number, status?: number): void;
  /** The same, for the next `count` change_password requests only (others are answered). */
  failChangesNext(count: number, status?: number): void;
  /** Down: the port refuses connections until start(). */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Inserts a user; returns its id. */
  addUser(user: NewStoreUser): Promise<string>;
  /** The app's own sign-in check. */
  verify(email: string, password: string): Promise<boolean>;
  close(): Promise<void>;
}

interface Answer {
  status: number;
  /** Serialised as JSON; undefined for an empty body. */
  json?: Record<string, unknown>;
}

interface UserRow {
  id: string;
  email: string;
  full_name: string | null;
  password_digest: string | null;
  disabled: boolean;
}

const BCRYPT_COST = 4;
const MAX_REQUEST_BYTES = 64 * 1024;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function createHttpUserStoreServer(
  options: HttpUserStoreServerOptions,
): Promise<HttpUserStoreServer> {
  const { sql, secret } = options;
  const table = sql(options.table);
  const basePath = options.basePath ?? "";
  await sql`
    create table if not exists ${table} (
      id uuid primary key default gen_random_uuid(),
      email text unique,
      full_name text,
      password_digest text,
      disabled boolean default false
    )`;

  const idempotent = new Map<string, Promise<Answer>>();
  const inFlight = new Set<Promise<void>>();
  let failures = { remaining: 0, status: 500 };
  let changeFailures = { remaining: 0, status: 500 };
  let changeCount = 0;
  /** Resolvers of the change_password answers held back (holdChangeAnswers). */
  const held = new Set<() => void>();

  const defaults = {
    delayMillis: 0,
    unsigned: false,
    returnPasswordHash: true,
    answerSecret: undefined as string | undefined,
    answerSkewSeconds: 0,
    answerEmail: undefined as string | undefined,
    paddingBytes: 0,
    streamAnswers: false,
    changeDelayMillis: 0,
    holdChangeAnswers: false,
  };
  const controls = { ...defaults };
  const calls: RecordedCall[] = [];
  let active = 0;
  let peakInFlight = 0;

  async function findByEmail(email: string): Promise<UserRow[]> {
    return sql<UserRow[]>`
      select id, email, full_name, password_digest, disabled
      from ${table} where lower(email) = lower(${email})`;
  }

  async function findById(id: string, email: string): Promise<UserRow | undefined> {
    if (!UUID.test(id)) return undefined;
    const rows = await sql<UserRow[]>`
      select id, email, full_name, password_digest, disabled
      from ${table} where id = ${id} and lower(email) = lower(${email})`;
    return rows[0];
  }

  async function getUser(body: Record<string, unknown>): Promise<Answer> {
    if (typeof body.email !== "string") return { status: 400 };
    const rows = await findByEmail(body.email);
    const row = rows.length === 1 ? rows[0] : undefined;
    if (!row) return { status: 404, json: { error: "not_found" } };
    return {
      status: 200,
      json: {
        user_id: row.id,
        email: controls.answerEmail ?? row.email,
        name: row.full_name,
        email_verified: true,
        blocked: row.disabled,
        ...(controls.returnPasswordHash ? { password_hash: row.password_digest } : {}),
      },
    };
  }

  async function verifyPassword(body: Record<string, unknown>): Promise<Answer> {
    const { user_id: id, email, password } = body;
    if (typeof id !== "string" || typeof email !== "string" || typeof password !== "string") {
      return { status: 400 };
    }
    const row = await findById(id, email);
    const right = row?.password_digest
      ? await bcrypt.compare(password, row.password_digest)
      : false;
    return right ? { status: 200, json: {} } : { status: 401, json: { error: "wrong_password" } };
  }

  async function changePassword(body: Record<string, unknown>): Promise<Answer> {
    const { user_id: id, email, password } = body;
    if (typeof id !== "string" || typeof email !== "string" || typeof password !== "string") {
      return { status: 400 };
    }
    if (!UUID.test(id)) return { status: 404, json: { error: "not_found" } };
    const digest = await bcrypt.hash(password, BCRYPT_COST);
    const updated = await sql`
      update ${table} set password_digest = ${digest}
      where id = ${id} and lower(email) = lower(${email})`;
    if (updated.count !== 1) return { status: 404, json: { error: "not_found" } };
    changeCount += 1;
    return { status: 200, json: {} };
  }

  /** A replay of a key gets the first call's answer (even while it is still running). */
  function changePasswordOnce(key: string, body: Record<string, unknown>): Promise<Answer> {
    const recorded = idempotent.get(key);
    if (recorded) return recorded;
    const answer = changePassword(body);
    idempotent.set(key, answer);
    answer.catch(() => idempotent.delete(key));
    return answer;
  }

  async function route(request: IncomingMessage, text: string): Promise<Answer> {
    const key = header(request, "idempotency-key");
    const contentType = header(request, "content-type") ?? "";
    if (request.method !== "POST" || !contentType.startsWith("application/json") || !key) {
      return { status: 400 };
    }
    const signature = header(request, SIGNATURE_HEADER);
    if (!verifySignature(secret, signature, text, Date.now() / 1000)) return { status: 403 };
    const body = parseObject(text);
    if (!body) return { status: 400 };
    switch (request.url) {
      case `${basePath}/get_user`:
        return getUser(body);
      case `${basePath}/verify_password`:
        return verifyPassword(body);
      case `${basePath}/change_password`:
        return changePasswordOnce(key, body);
      default:
        return { status: 404 };
    }
  }

  function send(response: ServerResponse, answer: Answer): void {
    if (response.destroyed) return;
    const padded =
      answer.status === 200 && answer.json && controls.paddingBytes > 0
        ? { ...answer.json, padding: "x".repeat(controls.paddingBytes) }
        : answer.json;
    const body = padded === undefined ? "" : JSON.stringify(padded);
    const headers: Record<string, string> = { "content-type": "application/json" };
    const signed = answer.json !== undefined && !controls.unsigned;
    if (signed) {
      const now = Date.now() / 1000 + controls.answerSkewSeconds;
      headers[SIGNATURE_HEADER] = signPayload(controls.answerSecret ?? secret, body, now);
    }
    if (!controls.streamAnswers) {
      headers["content-length"] = String(Buffer.byteLength(body));
      response.writeHead(answer.status, headers).end(body);
      return;
    }
    response.writeHead(answer.status, headers);
    for (let offset = 0; offset < body.length; offset += 16 * 1024) {
      response.write(body.slice(offset, offset + 16 * 1024));
    }
    response.end();
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const call: RecordedCall = {
      path: request.url ?? "",
      idempotencyKey: header(request, "idempotency-key"),
      status: null,
    };
    calls.push(call);
    response.on("error", () => {});
    active += 1;
    peakInFlight = Math.max(peakInFlight, active);
    try {
      await answer(request, response, call);
    } finally {
      active -= 1;
    }
  }

  async function answer(
    request: IncomingMessage,
    response: ServerResponse,
    call: RecordedCall,
  ): Promise<void> {
    const text = await readBody(request);
    if (controls.delayMillis > 0) await sleep(controls.delayMillis);
    const isChange = request.url === `${basePath}/change_password`;
    if (isChange && controls.changeDelayMillis > 0) await sleep(controls.changeDelayMillis);
    let result: Answer;
    if (failures.remaining > 0) {
      failures.remaining -= 1;
      result = { status: failures.status };
    } else if (isChange && changeFailures.remaining > 0) {
      changeFailures.remaining -= 1;
      result = { status: changeFailures.status };
    } else if (text === undefined) {
      result = { status: 413 };
    } else {
      result = await route(request, text).catch(() => ({ status: 500 }));
    }
    if (isChange && controls.holdChangeAnswers) {
      await new Promise<void>((resolve) => held.add(resolve));
    }
    call.status = result.status;
    send(response, result);
  }

  /** Sends every held change_password answer. */
  function releaseHeld(): void {
    const waiting = [...held];
    held.clear();
    for (const resolve of waiting) resolve();
  }

  const server = createServer((request, response) => {
    const handled = handle(request, response).catch(() => {
      if (!response.destroyed) response.destroy();
    });
    inFlight.add(handled);
    void handled.finally(() => inFlight.delete(handled));
  });
  await listen(server, 0);
  const port = (server.address() as AddressInfo).port;
  let listening = true;

  async function stop(): Promise<void> {
    if (!listening) return;
    listening = false;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  }

  return {
    url: `http://127.0.0.1:${port}${basePath}`,
    get delayMillis() {
      return controls.delayMillis;
    },
    set delayMillis(value) {
      controls.delayMillis = value;
    },
    get unsigned() {
      return controls.unsigned;
    },
    set unsigned(value) {
      controls.unsigned = value;
    },
    get returnPasswordHash() {
      return controls.returnPasswordHash;
    },
    set returnPasswordHash(value) {
      controls.returnPasswordHash = value;
    },
    get answerSecret() {
      return controls.answerSecret;
    },
    set answerSecret(value) {
      controls.answerSecret = value;
    },
    get answerSkewSeconds() {
      return controls.answerSkewSeconds;
    },
    set answerSkewSeconds(value) {
      controls.answerSkewSeconds = value;
    },
    get answerEmail() {
      return controls.answerEmail;
    },
    set answerEmail(value) {
      controls.answerEmail = value;
    },
    get paddingBytes() {
      return controls.paddingBytes;
    },
    set paddingBytes(value) {
      controls.paddingBytes = value;
    },
    get streamAnswers() {
      return controls.streamAnswers;
    },
    set streamAnswers(value) {
      controls.streamAnswers = value;
    },
    get changeDelayMillis() {
      return controls.changeDelayMillis;
    },
    set changeDelayMillis(value) {
      controls.changeDelayMillis = value;
    },
    get holdChangeAnswers() {
      return controls.holdChangeAnswers;
    },
    set holdChangeAnswers(value) {
      controls.holdChangeAnswers = value;
      if (!value) releaseHeld();
    },
    get heldAnswers() {
      return held.size;
    },
    get changeCount() {
      return changeCount;
    },
    calls,
    get peakInFlight() {
      return peakInFlight;
    },
    reset() {
      Object.assign(controls, defaults);
      releaseHeld();
      failures = { remaining: 0, status: 500 };
      changeFailures = { remaining: 0, status: 500 };
      calls.length = 0;
      peakInFlight = active;
    },
    failNext(count, status = 500) {
      failures = { remaining: count, status };
    },
    failChangesNext(count, status = 500) {
      changeFailures = { remaining: count, status };
    },
    stop,
    async start() {
      if (listening) return;
      await listen(server, port);
      listening = true;
    },
    async addUser(user) {
      const digest = await bcrypt.hash(user.password, BCRYPT_COST);
      const [row] = await sql<{ id: string }[]>`
        insert into ${table} (email, full_name, password_digest, disabled)
        values (${user.email}, ${user.name ?? null}, ${digest}, ${user.disabled ?? false})
        returning id`;
      if (!row) throw new Error("insert returned no row");
      return row.id;
    },
    async verify(email, password) {
      const [row] = await findByEmail(email);
      return row?.password_digest ? bcrypt.compare(password, row.password_digest) : false;
    },
    async close() {
      controls.holdChangeAnswers = false;
      releaseHeld();
      await stop();
      await Promise.all(inFlight);
    },
  };
}

function listen(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
}

function header(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

/** The request body as text, or undefined past MAX_REQUEST_BYTES. */
async function readBody(request: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_REQUEST_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
