import type { App, Receiver, ReceiverEvent } from "@slack/bolt";
import { verifySlackRequest } from "@slack/bolt";
import { Hono } from "hono";
import type { Clock } from "../clock.ts";
import { limitBodySize } from "../http/limit-body-size.ts";
import type { Logger } from "../logger.ts";
import { parseSlackRequest } from "./parse-request.ts";

/** Slack waits 3 s for an answer; answer a little before that when no listener acked. */
const ACK_TIMEOUT_MILLIS = 2_800;
const MAX_BODY_BYTES = 1024 * 1024;
const SIGNATURE_WINDOW_MILLIS = 5 * 60_000;

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
 * A Bolt receiver that lives on the Hono server: it reads the raw body once, checks Slack's
 * signature, hands the event to Bolt and answers with whatever the listener passes to ack().
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
      const rawBody = await c.req.text();
      const request = parseSlackRequest(c.req.header("content-type") ?? "", rawBody);
      if (request.kind === "ssl_check") return c.body(null, 200);

      const timestampSeconds = Number(c.req.header("x-slack-request-timestamp"));
      const nowMillis = clock.now().getTime();
      try {
        // Bolt's verifier refuses only old timestamps; Slack's window is five minutes either way.
        if (timestampSeconds * 1000 > nowMillis + SIGNATURE_WINDOW_MILLIS)
          throw new Error("future");
        verifySlackRequest({
          signingSecret,
          body: rawBody,
          headers: {
            "x-slack-signature": c.req.header("x-slack-signature") ?? "",
            "x-slack-request-timestamp": timestampSeconds,
          },
          nowMilliseconds: nowMillis,
        });
      } catch {
        logger.warn({ path: c.req.path }, "rejected a Slack request with a bad or stale signature");
        return c.text("invalid signature", 401);
      }

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
