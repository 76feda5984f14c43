import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createManualClock } from "../support/clock.ts";
import { backends } from "../support/database.ts";
import { startTestPassdesk, type TestPassdesk } from "../support/passdesk.ts";
import { openConnection, type RawConnection } from "../support/raw-connection.ts";
import { createEventSigner } from "../support/sendgrid-events.ts";
import { waitFor } from "../support/wait-for.ts";

const HANG_GUARD = { timeout: 30_000 };

describe.each(backends)("POST /webhooks/sendgrid's bounds on %s", HANG_GUARD, (backend) => {
  const signer = createEventSigner();
  // Frozen: a bucket refills only when the test says so, however slowly the machine runs.
  const clock = createManualClock();
  let passdesk: TestPassdesk;
  let ipCounter = 0;

  beforeAll(async () => {
    passdesk = await startTestPassdesk(
      backend,
      { SENDGRID_WEBHOOK_PUBLIC_KEY: signer.publicKey, TRUST_PROXY: "1" },
      { clock },
    );
  });
  afterAll(async () => {
    await passdesk?.close();
  });

  const nowSeconds = () => Math.floor(clock.now().getTime() / 1000);
  const newClient = () => `198.51.100.${++ipCounter}`;

  function post(body: string, headers: Record<string, string>, client: string) {
    return fetch(`${passdesk.url}/webhooks/sendgrid`, {
      method: "POST",
      headers: { ...headers, "x-forwarded-for": client },
      body,
    });
  }
  const signedAt = (offsetSeconds: number, client = newClient()) =>
    post("[]", signer.headers("[]", String(nowSeconds() + offsetSeconds)), client);
  const forged = (client: string) =>
    post(
      "[]",
      { ...signer.headers("[]"), "x-twilio-email-event-webhook-signature": "AAAA" },
      client,
    );

  /** Headers of a delivery whose body has not been sent (yet): a slow or stalled sender. */
  function startDelivery(timestamp: number, client: string): RawConnection {
    const connection = openConnection(passdesk.port);
    connection.write(
      "POST /webhooks/sendgrid HTTP/1.1\r\nHost: passdesk.test\r\n" +
        "Content-Type: application/json\r\nContent-Length: 1000\r\n" +
        `X-Forwarded-For: ${client}\r\n` +
        `X-Twilio-Email-Event-Webhook-Timestamp: ${timestamp}\r\n` +
        "X-Twilio-Email-Event-Webhook-Signature: AAAA\r\n\r\n",
    );
    return connection;
  }

  it("accepts a signed timestamp up to 10 minutes old or 5 minutes ahead, and no further", async () => {
    expect((await signedAt(-599)).status).toBe(204);
    expect((await signedAt(299)).status).toBe(204);
    for (const offset of [-601, 301, -86_400]) {
      const response = await signedAt(offset);
      expect({ offset, status: response.status }).toEqual({ offset, status: 401 });
    }
  });

  it("refuses a stale timestamp before reading the body", async () => {
    const connection = startDelivery(nowSeconds() - 3600, newClient());

    // The body never comes: only an answer that did not wait for it can arrive.
    const answer = await connection.waitFor(/^HTTP\/1\.1 \d+ /);
    connection.destroy();

    expect(answer).toMatch(/^HTTP\/1\.1 401 /);
  });

  it("refuses a client's verifications past its burst with 429 and Retry-After, other clients unaffected", async () => {
    const client = newClient();
    // Stale deliveries are refused on their headers and cost the client nothing.
    for (let i = 0; i < 40; i += 1) expect((await signedAt(-3600, client)).status).toBe(401);
    for (let i = 0; i < 30; i += 1) expect((await forged(client)).status).toBe(401);

    const limited = await signedAt(0, client);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect((await signedAt(0)).status).toBe(204);

    clock.advance(1_000); // 60 a minute: one more a second
    expect((await signedAt(0, client)).status).toBe(204);
    expect((await signedAt(0, client)).status).toBe(429);
  });

  it("refuses with 503 while 4 deliveries are being read, and verifies again once they end", async () => {
    const stalled = Array.from({ length: 4 }, () => startDelivery(nowSeconds(), newClient()));
    await Promise.all(stalled.map((connection) => connection.connected));

    // The stalled four are admitted as the server reads their headers: wait until it has.
    let busy: Response | undefined;
    await waitFor(
      async () => {
        const response = await signedAt(0);
        if (response.status === 503) busy = response;
        return busy !== undefined;
      },
      10_000,
      "a 503 while the four are read",
      20,
    );
    expect(busy?.status).toBe(503);
    expect(busy?.headers.get("retry-after")).toBe("1");

    for (const connection of stalled) connection.destroy();
    await Promise.all(stalled.map((connection) => connection.closed));
    let status = 503;
    await waitFor(
      async () => {
        status = (await signedAt(0)).status;
        return status !== 503;
      },
      10_000,
      "an answer other than 503 once the four end",
      20,
    );
    expect(status).toBe(204);
  });
});
