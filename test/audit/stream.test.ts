import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHttpAuditSender } from "../../src/audit/http-batch-sender.ts";
import { type AuditStream, startAuditStream } from "../../src/audit/stream.ts";
import type { DatabaseHandle } from "../../src/db/client.ts";
import type { Repository } from "../../src/db/stores.ts";
import { createLogger } from "../../src/logger.ts";
import { createManualClock } from "../support/clock.ts";
import { backends, createTestDatabase, type TestDatabase } from "../support/database.ts";
import { startTestPassdesk, type TestPassdesk } from "../support/passdesk.ts";
import { waitFor } from "../support/wait-for.ts";

const SECRET = "a-stream-secret-of-at-least-32-characters";

/** The few lines a SIEM would write to check a batch: HMAC-SHA256 over "t.body". */
function referenceVerify(header: string | undefined, body: string): boolean {
  const parts = Object.fromEntries((header ?? "").split(",").map((part) => part.split("=")));
  if (!parts.t || !parts.v1) return false;
  const expected = createHmac("sha256", SECRET).update(`${parts.t}.${body}`).digest();
  const given = Buffer.from(parts.v1, "hex");
  return given.length === expected.length && timingSafeEqual(given, expected);
}

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  status: number;
}

async function startReceiver() {
  const received: Received[] = [];
  let status = 200;
  const server: Server = createServer((request, response) => {
    let body = "";
    request.setEncoding("utf8");
    request.on("data", (chunk: string) => {
      body += chunk;
    });
    request.on("end", () => {
      received.push({ headers: request.headers, body, status });
      response.writeHead(status, status === 503 ? { "Retry-After": "30" } : {}).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/audit`,
    received,
    answer(next: number) {
      status = next;
    },
    /** Every entry id the receiver accepted (answered 2xx), in order. */
    accepted: () =>
      received
        .filter((request) => request.status === 200)
        .flatMap((request) =>
          request.body
            .trim()
            .split("\n")
            .map((line) => JSON.parse(line).id as number),
        ),
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

describe.each(backends)("the audit stream on %s", (backend) => {
  let database: TestDatabase;
  let handle: DatabaseHandle;
  let repo: Repository;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  const clock = createManualClock();
  const streams: AuditStream[] = [];

  beforeAll(async () => {
    database = await createTestDatabase(backend);
    ({ handle, repo } = await database.open());
    receiver = await startReceiver();
  });
  afterAll(async () => {
    for (const stream of streams) await stream.stop();
    await receiver?.close();
    await handle?.close();
    await database?.drop();
  });

  function stream(owner: string) {
    const started = startAuditStream({
      chain: repo.auditChain,
      checkpoints: repo.auditStream,
      send: createHttpAuditSender({ url: receiver.url, secret: SECRET, timeoutMillis: 2_000 }),
      format: "jsonl",
      batchSize: 12,
      clock,
      logger: createLogger("silent"),
      intervalMillis: 3_600_000,
      leaseMillis: 30_000,
      owner,
    });
    streams.push(started);
    return started;
  }

  async function record(count: number, from: number) {
    await repo.audit.recordAll(
      Array.from({ length: count }, (_, i) => ({
        actorType: "cli" as const,
        action: "test.streamed",
        outcome: "success",
        targetEmail: `user${from + i}@example.com`,
      })),
    );
  }

  async function allIds(): Promise<number[]> {
    const entries = await repo.auditChain.after(0, 1_000);
    return entries.map((entry) => entry.id);
  }

  it("sends each entry once, in order, signed, across a receiver outage and a restart", async () => {
    await record(30, 0);
    receiver.answer(503);
    const first = stream("instance-a");
    await first.run();
    expect(receiver.received).toHaveLength(1);

    // The receiver is back, but the retry is not due yet (it asked for 30 s): nothing is sent.
    receiver.answer(200);
    await first.run();
    expect(receiver.received).toHaveLength(1);

    clock.advance(60_000);
    await first.run();
    expect(receiver.received).toHaveLength(4);
    expect(receiver.accepted()).toEqual(await allIds());
    // The retried batch is the batch that failed: same entries, same idempotency key.
    expect(receiver.received[1]?.headers["idempotency-key"]).toBe(
      receiver.received[0]?.headers["idempotency-key"],
    );
    expect(receiver.received[1]?.body).toBe(receiver.received[0]?.body);
    for (const request of receiver.received) {
      expect(request.headers["content-type"]).toBe("application/x-ndjson");
      expect(referenceVerify(request.headers["x-passdesk-signature"] as string, request.body)).toBe(
        true,
      );
    }

    // Another instance (or a restart) goes on from the checkpoint: nothing is sent twice.
    await first.stop();
    const second = stream("instance-b");
    await second.run();
    expect(receiver.received).toHaveLength(4);
    await record(5, 30);
    await second.run();
    expect(receiver.received).toHaveLength(5);
    expect(receiver.accepted()).toEqual(await allIds());
    const last = receiver.received[4]?.body.trim().split("\n") ?? [];
    expect(last).toHaveLength(5);
    expect(JSON.parse(last[4] as string)).toMatchObject({
      action: "test.streamed",
      target_email: "user34@example.com",
      seq: 35,
    });
  });

  it("lets one instance send at a time", async () => {
    await record(3, 100);
    clock.advance(60_000);
    const before = receiver.received.length;
    await Promise.all([stream("instance-c").run(), stream("instance-d").run()]);
    expect(receiver.received.length - before).toBe(1);
  });
});

describe.each(backends)("a running Passdesk with AUDIT_STREAM_URL on %s", (backend) => {
  let passdesk: TestPassdesk;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;

  beforeAll(async () => {
    receiver = await startReceiver();
    passdesk = await startTestPassdesk(backend, {
      AUDIT_STREAM_URL: receiver.url,
      AUDIT_STREAM_SECRET: SECRET,
      AUDIT_STREAM_FORMAT: "ocsf",
      AUDIT_STREAM_INTERVAL_SECONDS: "1",
    });
  });
  afterAll(async () => {
    await passdesk?.close();
    await receiver?.close();
  });

  it("streams each request's audit entry to the receiver as an OCSF event, signed", async () => {
    const response = await fetch(`${passdesk.url}/dbconnections/change_password`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({
        email: "streamed@example.com",
        connection: "Username-Password-Authentication",
      }),
    });
    expect(response.status).toBe(200);
    const streamed = () =>
      receiver.received
        .flatMap((request) => request.body.trim().split("\n"))
        .map((line) => JSON.parse(line))
        .find((line) => line.user?.email_addr === "streamed@example.com");
    await waitFor(() => streamed() !== undefined, 15_000, "the entry at the receiver");
    const event = streamed();
    expect(event).toMatchObject({
      class_uid: 3001,
      activity_id: 4,
      status_detail: "unknown_user",
      unmapped: { auth0_log_type: "fcpr" },
    });
    for (const request of receiver.received) {
      expect(referenceVerify(request.headers["x-passdesk-signature"] as string, request.body)).toBe(
        true,
      );
    }
  });
});
