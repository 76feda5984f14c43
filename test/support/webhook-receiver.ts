import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface ReceivedWebhook {
  headers: IncomingHttpHeaders;
  body: string;
  /** The status this receiver answered. */
  status: number;
  at: number;
}

/**
 * An app's webhook endpoint on 127.0.0.1: records every request and answers `status` (503 plays
 * an outage); `stop()` closes it (connection refused) and `start()` opens it on the same port.
 */
export interface WebhookReceiver {
  url: string;
  received: ReceivedWebhook[];
  status: number;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export async function startWebhookReceiver(status = 204): Promise<WebhookReceiver> {
  let server: Server | undefined;
  let port = 0;
  const receiver: WebhookReceiver = {
    url: "",
    received: [],
    status,
    async start() {
      const listening = createServer((request, response) => {
        const chunks: Buffer[] = [];
        request.on("data", (chunk: Buffer) => chunks.push(chunk));
        request.on("end", () => {
          const body = Buffer.concat(chunks).toString("utf8");
          receiver.received.push({
            headers: request.headers,
            body,
            status: receiver.status,
            at: Date.now(),
          });
          response.writeHead(receiver.status).end();
        });
      });
      await new Promise<void>((resolve) => listening.listen(port, "127.0.0.1", resolve));
      port = (listening.address() as AddressInfo).port;
      receiver.url = `http://127.0.0.1:${port}/hooks/passdesk`;
      server = listening;
    },
    async stop() {
      const closing = server;
      server = undefined;
      if (!closing) return;
      await new Promise<void>((resolve) => {
        closing.close(() => resolve());
        closing.closeAllConnections();
      });
    },
  };
  await receiver.start();
  return receiver;
}

/**
 * The check an app would write (the README's), independent of Passdesk's own code: HMAC-SHA256
 * of `${t}.${body}` under the secret, compared in constant time, `t` within five minutes.
 */
export function verifiedByReference(
  secret: string,
  header: string | string[] | undefined,
  body: string,
): boolean {
  if (typeof header !== "string") return false;
  const { t, v1 } = Object.fromEntries(header.split(",").map((part) => part.split("=", 2)));
  if (!t || !v1 || Math.abs(Date.now() / 1000 - Number(t)) > 300) return false;
  const expected = createHmac("sha256", secret).update(`${t}.${body}`).digest();
  const given = Buffer.from(v1, "hex");
  return given.length === expected.length && timingSafeEqual(given, expected);
}
