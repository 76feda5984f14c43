import type { SlackConfig } from "../config.ts";
import type { Logger } from "../logger.ts";
import { checkSlackTokens, type SlackIdentity } from "./check-tokens.ts";

export interface WatchOptions {
  settings: Pick<SlackConfig, "botToken" | "apiUrl">;
  logger: Logger;
  onAccepted(identity: SlackIdentity): void;
  /** Delay before check `attempt` (0, 1, …). */
  retryDelayMillis?: (attempt: number) => number;
}

const defaultDelay = (attempt: number) => Math.min(60_000, 1_000 * 2 ** attempt);

/**
 * Over HTTP, Slack can be on while its API does not answer (requests still arrive, signed): the
 * bot token is checked again in the background until Slack accepts it (logged once) or refuses it
 * for good (logged as an error: every Slack action fails until it is fixed).
 */
export function watchBotToken(options: WatchOptions): { stop(): void } {
  const delay = options.retryDelayMillis ?? defaultDelay;
  const log = options.logger.child({ component: "slack" });
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;

  const check = async (attempt: number): Promise<void> => {
    if (stopped) return;
    const result = await checkSlackTokens(options.settings);
    if (stopped) return;
    if (result.ok) {
      log.info("Slack: the Web API answers again; SLACK_BOT_TOKEN accepted");
      options.onAccepted(result.identity);
    } else if (result.reason === "rejected") {
      log.error(
        `Slack: ${result.token} rejected (${result.error}); Slack actions fail until it is fixed and Passdesk restarted`,
      );
    } else {
      timer = setTimeout(() => void check(attempt + 1), delay(attempt));
      timer.unref();
    }
  };
  timer = setTimeout(() => void check(1), delay(0));
  timer.unref();
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
