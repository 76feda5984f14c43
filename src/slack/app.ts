import { App, webApi } from "@slack/bolt";
import type { Hono } from "hono";
import type { SlackConfig } from "../config.ts";
import type { SlackDependencies } from "./dependencies.ts";
import { registerActions } from "./listeners/actions.ts";
import { registerCommands } from "./listeners/commands.ts";
import { registerEvents } from "./listeners/events.ts";
import { registerResend } from "./listeners/resend.ts";
import { registerTemplates } from "./listeners/templates.ts";
import { registerViews } from "./listeners/views.ts";
import { createHonoReceiver } from "./receiver.ts";
import { createRoleResolver } from "./roles.ts";
import { createSlackLogger } from "./slack-logger.ts";

export interface RunningSlack {
  /** `POST /slack/events` for HTTP mode; undefined in Socket Mode. */
  routes: Hono | undefined;
  client: webApi.WebClient;
  mode: "http" | "socket";
  stop(): Promise<void>;
}

// A few quick retries, never Slack's default of minutes: a user is waiting, and the audit
// poster has its own durable retry.
const CLIENT_OPTIONS = {
  retryConfig: { retries: 2, factor: 2, minTimeout: 250, maxTimeout: 1_000 },
  rejectRateLimitedCalls: true,
  timeout: 10_000,
};

export type SlackAppDependencies = Omit<SlackDependencies, "roles" | "bootstrapAdmins">;

/** Builds the Bolt app with every listener, over HTTP (on Passdesk's server) or Socket Mode. */
export async function startSlack(
  settings: SlackConfig,
  deps: SlackAppDependencies,
): Promise<RunningSlack> {
  const logger = createSlackLogger(deps.logger);
  const clientOptions = { ...CLIENT_OPTIONS, slackApiUrl: settings.apiUrl, logger };
  const client = new webApi.WebClient(settings.botToken, clientOptions);

  // auth.test once, remembered only when it succeeds (Bolt's own cache would keep a failure).
  let identity: Promise<{ botId: string; botUserId: string }> | undefined;
  const authorize = async () => {
    identity ??= client.auth.test().then(
      (result) => ({ botId: result.bot_id ?? "", botUserId: result.user_id ?? "" }),
      (error: unknown) => {
        identity = undefined;
        throw error;
      },
    );
    return { botToken: settings.botToken, ...(await identity) };
  };

  const receiver =
    settings.appToken || !settings.signingSecret
      ? undefined
      : createHonoReceiver({
          signingSecret: settings.signingSecret,
          logger: deps.logger,
          clock: deps.clock,
        });
  const app = new App({
    ...(receiver ? { receiver } : { socketMode: true, appToken: settings.appToken }),
    authorize,
    clientOptions,
    logger,
  });

  const listenerDeps: SlackDependencies = {
    ...deps,
    bootstrapAdmins: settings.bootstrapAdmins,
    roles: createRoleResolver({
      grants: deps.repo.roles,
      bootstrapAdmins: settings.bootstrapAdmins,
      usergroups: { admin: settings.adminUsergroup, support: settings.supportUsergroup },
      listUsergroupMembers: async (usergroup) =>
        (await client.usergroups.users.list({ usergroup })).users ?? [],
      clock: deps.clock,
    }),
  };
  registerCommands(app, listenerDeps);
  registerViews(app, listenerDeps);
  registerActions(app, listenerDeps);
  registerEvents(app, listenerDeps);
  registerResend(app, listenerDeps);
  registerTemplates(app, listenerDeps);

  authorize().catch((error) =>
    deps.logger.warn({ err: error }, "Slack auth.test failed; will retry on the next event"),
  );
  if (!receiver) await app.start();
  return {
    routes: receiver?.routes,
    client,
    mode: receiver ? "http" : "socket",
    stop: async () => {
      if (!receiver) await app.stop();
    },
  };
}
