import { webApi } from "@slack/bolt";
import type { SlackConfig } from "../config.ts";
import type { Logger } from "../logger.ts";
import { createSlackLogger } from "./slack-logger.ts";

// A few quick retries, never Slack's default of minutes: a user is waiting, and the audit
// poster has its own durable retry.
const CLIENT_OPTIONS = {
  retryConfig: { retries: 2, factor: 2, minTimeout: 250, maxTimeout: 1_000 },
  rejectRateLimitedCalls: true,
  timeout: 10_000,
};

export type SlackWebClient = ReturnType<typeof createSlackWebClient>;

/** The Web API client for the bot token, with the options Bolt and Socket Mode reuse. */
export function createSlackWebClient(settings: SlackConfig, logger: Logger) {
  const slackLogger = createSlackLogger(logger);
  const clientOptions = { ...CLIENT_OPTIONS, slackApiUrl: settings.apiUrl, logger: slackLogger };
  return {
    client: new webApi.WebClient(settings.botToken, clientOptions),
    clientOptions,
    slackLogger,
  };
}

/** Who is in a Slack user group (scope `usergroups:read`), for the role resolver. */
export function listUsergroupMembersWith(client: webApi.WebClient) {
  return async (usergroup: string): Promise<string[]> =>
    (await client.usergroups.users.list({ usergroup })).users ?? [];
}
