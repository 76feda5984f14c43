import type {
  AllMiddlewareArgs,
  Middleware,
  RespondFn,
  SlackCommandMiddlewareArgs,
} from "@slack/bolt";
import type { Logger } from "../logger.ts";

/** What a command listener uses of Bolt's arguments (a test hands in just these). */
export type CommandArgs = Pick<
  SlackCommandMiddlewareArgs & AllMiddlewareArgs,
  "command" | "ack" | "respond" | "client"
>;

/** Answers a command only to whoever ran it. */
export function replyPrivately(respond: RespondFn, text: string): Promise<unknown> {
  return respond({ response_type: "ephemeral", text });
}

const FAILED =
  "Sorry, that did not work: Slack or Passdesk did not answer. The error has been logged; try again in a minute.";

/**
 * Listener middleware for a command. The listener acks first, so an error it throws afterwards
 * (Slack's API failing or rate limiting, the database unreachable) would reach no one: tell the
 * requester, and log it.
 */
export function answerCommandFailures(deps: {
  logger: Logger;
}): Middleware<SlackCommandMiddlewareArgs> {
  return async ({ next, respond, command }) => {
    try {
      await next();
    } catch (error) {
      deps.logger.error({ err: error, command: command.command }, "Slack command failed");
      await replyPrivately(respond, FAILED).catch((replyError: unknown) =>
        deps.logger.warn({ err: replyError }, "could not tell the requester the command failed"),
      );
    }
  };
}
