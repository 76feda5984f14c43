import { SocketModeReceiver, type webApi } from "@slack/bolt";
import type { Logger } from "../logger.ts";
import { isDefinitiveSlackError } from "./check-tokens.ts";
import type { createSlackLogger } from "./slack-logger.ts";

export interface SocketModeOptions {
  appToken: string;
  clientOptions: webApi.WebClientOptions;
  slackLogger: ReturnType<typeof createSlackLogger>;
  logger: Logger;
  /** Delay before reconnect attempt `attempt` (0, 1, …). */
  retryDelayMillis?: (attempt: number) => number;
}

export interface SocketModeConnection {
  receiver: SocketModeReceiver;
  /** Connects in the background, and again whenever the connection drops; never throws. */
  start(): void;
  stop(): Promise<void>;
}

const defaultDelay = (attempt: number) => Math.min(60_000, 1_000 * 2 ** attempt);

/**
 * The Socket Mode client's own reconnect is off: when Slack is unreachable its reconnect attempt
 * rejects with nobody listening, which stops Node with an unhandled rejection. Here one loop
 * connects, waits and tries again — until Slack refuses the app token for good (logged once,
 * Slack then stays off) or Passdesk stops.
 */
export function createSocketModeConnection(options: SocketModeOptions): SocketModeConnection {
  const receiver = new SocketModeReceiver({
    appToken: options.appToken,
    logger: options.slackLogger,
    autoReconnectEnabled: false,
    installerOptions: { clientOptions: options.clientOptions },
  });
  const client = receiver.client;
  const delay = options.retryDelayMillis ?? defaultDelay;
  const log = options.logger.child({ component: "slack" });
  let stopped = false;
  let connecting = false;
  let timer: NodeJS.Timeout | undefined;

  async function connect(): Promise<void> {
    if (connecting || stopped) return;
    connecting = true;
    try {
      for (let attempt = 0; !stopped; attempt++) {
        try {
          await client.start();
          log.info("Slack: Socket Mode connected");
          return;
        } catch (error) {
          const code = readPlatformError(error);
          if (code && isDefinitiveSlackError(code)) {
            log.error(
              `Slack: off — SLACK_APP_TOKEN rejected (${code}); fix it and restart Passdesk`,
            );
            stopped = true;
            return;
          }
          const wait = delay(attempt);
          log.warn(
            `Slack: Socket Mode could not connect (${code ?? describe(error)}); trying again in ${Math.round(wait / 1000)} s`,
          );
          await new Promise<void>((resolve) => {
            timer = setTimeout(resolve, wait);
          });
        }
      }
    } finally {
      connecting = false;
    }
  }

  client.on("disconnected", () => {
    if (stopped || connecting) return;
    log.warn("Slack: Socket Mode disconnected; reconnecting");
    void connect();
  });

  return {
    receiver,
    start: () => void connect(),
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await client.disconnect().catch(() => {});
    },
  };
}

function readPlatformError(error: unknown): string | undefined {
  const { code, data } = (error ?? {}) as { code?: string; data?: { error?: unknown } };
  return code === "slack_webapi_platform_error" && typeof data?.error === "string"
    ? data.error
    : undefined;
}

/** A network or HTTP failure, without anything a token could hide in. */
function describe(error: unknown): string {
  const { code, statusCode, original } = (error ?? {}) as {
    code?: string;
    statusCode?: number;
    original?: { code?: string; cause?: { code?: string } };
  };
  if (statusCode !== undefined) return `HTTP ${statusCode}`;
  return original?.code ?? original?.cause?.code ?? code ?? "error";
}
