import type { App, Receiver, ReceiverEvent } from "@slack/bolt";
import { type Context, Hono } from "hono";
import type { Clock } from "../clock.ts";
import { limitBodySize } from "../http/limit-body-size.ts";
import { readBodyBytes } from "../http/read-body.ts";
import type { Logger } from "../logger.ts";
import { parseSlackRequest } from "./parse-request.ts";
import { checkSlackSignatureHeaders, isSignedBody } from "./verify-signature.ts";

/** Slack waits 3 s for an answer; answer a little before that when no listener acked. */
const ACK_TIMEOUT_MILLIS = 2_800;
/**
 * The largest request Passdesk's own surfaces can make Slack send is a submission of the
 * password-email modal with all four text inputs at Slack's 3000-character cap, sent twice
 * (initial value in the view, value in its state) with every character escaped as JSON
 * \uXXXX and then percent-encoded: 194 KiB with characters Slack counts as one UTF-16 unit,
 * 334 KiB if it counts astral characters as one. Slash commands carry an email and a connection
 * name, and the only event subscribed (app_home_opened) is about 1 KB. 512 KiB holds them all.
 */
export const MAX_BODY_BYTES = 512 * 1024;
/** ssl_check is `ssl_check=1&token=…` (42 bytes in the one Slack sends); larger is not one. */
const MAX_SSL_CHECK_BYTES = 1024;

const utf8 = new TextDecoder("utf-8", { fatal: true });

export interface HonoReceiver extends Receiver {
  /** `POST /slack/events`, mounted on Passdesk's own Hono server. */
  routes: Hono;
}

export interface HonoReceiverOptions {
  signingSecret: string;
  logger: Logger;
  clock: Clock;
}

type AckResponse = { body: string; contentType: string };

function toResponse(response: unknown): AckResponse {
  if (response === undefined || response === null || response === "")
    return { body: "", contentType: "text/plain" };
  if (typeof response === "string")
    return { body: response, contentType: "text/plain; charset=utf-8" };
  return { body: JSON.stringify(response), contentType: "application/json" };
}

/**
 * Whether an unsigned request is Slack's ssl_check: a small form whose ssl_check is "1". Only a
 * body of declared length up to MAX_SSL_CHECK_BYTES is read; whatever else it holds is ignored.
 */
async function isUnsignedSslCheck(c: Context): Promise<boolean> {
  const declared = c.req.header("content-length");
  if (declared === undefined || !/^\d+$/.test(declared) || Number(declared) > MAX_SSL_CHECK_BYTES) {
    return false;
  }
  const text = new TextDecoder().decode(await readBodyBytes(c));
  return parseSlackRequest(c.req.header("content-type") ?? "", text).kind === "ssl_check";
}

/**
 * A Bolt receiver that lives on the Hono server: it checks Slack's signature over the raw body
 * before anything is decoded, hands the event to Bolt and answers with whatever the listener
 * passes to ack(). Refused before reading the body: a bad or stale timestamp or signature header.
 */
export function createHonoReceiver({
  signingSecret,
  logger,
  clock,
}: HonoReceiverOptions): HonoReceiver {
  let app: App | undefined;
  const routes = new Hono();

  routes.post(
    "/slack/events",
    limitBodySize(MAX_BODY_BYTES, (c) => c.text("payload too large", 413)),
    async (c) => {
      const signature = c.req.header("x-slack-signature");
      // Slack's ssl_check comes unsigned (no signature or timestamp header): answered, never acted on.
      if (signature === undefined) {
        return (await isUnsignedSslCheck(c)) ? c.body(null, 200) : refuse(c, "missing_signature");
      }
      const headers = checkSlackSignatureHeaders(
        signature,
        c.req.header("x-slack-request-timestamp"),
        clock.now().getTime(),
      );
      if (!headers.ok) return refuse(c, headers.reason);
      const rawBody = await readBodyBytes(c);
      if (!isSignedBody(signingSecret, headers.timestamp, headers.digest, rawBody)) {
        return refuse(c, "bad_signature");
      }

      let text: string;
      try {
        text = utf8.decode(rawBody);
      } catch {
        return c.text("body is not UTF-8", 400);
      }
      const request = parseSlackRequest(c.req.header("content-type") ?? "", text);
      if (request.kind === "ssl_check") return c.body(null, 200);
      if (request.kind === "invalid") return c.text(request.reason, 400);
      if (request.kind === "url_verification") return c.json({ challenge: request.challenge });
      if (!app) return c.text("not ready", 503);

      const response = await dispatch(app, request.body, {
        retryNum: Number(c.req.header("x-slack-retry-num")) || undefined,
        retryReason: c.req.header("x-slack-retry-reason"),
      });
      return c.body(response.body, 200, { "Content-Type": response.contentType });
    },
  );

  function refuse(c: Context, reason: string): Response {
    logger.warn(
      { path: c.req.path, reason },
      "rejected a Slack request with a bad or stale signature",
    );
    return c.text("invalid signature", 401);
  }

  async function dispatch(
    target: App,
    body: Record<string, unknown>,
    retry: { retryNum: number | undefined; retryReason: string | undefined },
  ): Promise<AckResponse> {
    let acked = false;
    let answer: (response: AckResponse) => void = () => {};
    const acknowledged = new Promise<AckResponse>((resolve) => {
      answer = resolve;
    });
    const event: ReceiverEvent = {
      body,
      ...(retry.retryNum !== undefined && { retryNum: retry.retryNum }),
      ...(retry.retryReason !== undefined && { retryReason: retry.retryReason }),
      ack: async (response?: unknown) => {
        if (acked) return;
        acked = true;
        answer(toResponse(response));
      },
    };
    const processed = target.processEvent(event).then(
      () => toResponse(undefined),
      (error: unknown) => {
        logger.error({ err: error }, "Slack listener failed");
        return toResponse(
          body.command ? "Sorry, that did not work. The error has been logged." : undefined,
        );
      },
    );
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<AckResponse>((resolve) => {
      timer = setTimeout(() => resolve(toResponse(undefined)), ACK_TIMEOUT_MILLIS);
    });
    try {
      return await Promise.race([acknowledged, processed, timedOut]);
    } finally {
      clearTimeout(timer);
    }
  }

  return {
    routes,
    init(boltApp) {
      app = boltApp;
    },
    start: async () => undefined,
    stop: async () => undefined,
  };
}
