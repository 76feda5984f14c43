import { App, type webApi } from "@slack/bolt";
import type { Hono } from "hono";
import type { SlackConfig } from "../config.ts";
import { registerAppHome } from "./app-home/register.ts";
import { registerApproval } from "./approval/register.ts";
import { checkSlackTokens, type SlackIdentity, type SlackTokenName } from "./check-tokens.ts";
import type { SlackDependencies } from "./dependencies.ts";
import { createHonoReceiver } from "./receiver.ts";
import { registerResetPassword } from "./reset-password/register.ts";
import { registerReveal } from "./reveal/register.ts";
import { registerRoles } from "./roles/register.ts";
import { registerSecuredAccount } from "./secured-account/buttons.ts";
import { registerSetPassword } from "./set-password/register.ts";
import { registerSignIn } from "./sign-in/unblock.ts";
import { createSocketModeConnection } from "./socket-mode.ts";
import { registerTemplates } from "./templates/register.ts";
import { watchBotToken } from "./watch-bot-token.ts";
import type { SlackWebClient } from "./web-client.ts";

export interface RunningSlack {
  /** `POST /slack/events` for HTTP mode; undefined in Socket Mode. */
  routes: Hono | undefined;
  client: webApi.WebClient;
  mode: "http" | "socket";
  /** Set when Slack did not answer at start: what failed (it is checked again in the background). */
  unreachableAtStart: string | undefined;
  stop(): Promise<void>;
}

/**
 * Slack is started, or stays off because Slack refused a token. A refused token is a
 * configuration mistake, not an outage: the public endpoints and the reset page serve end users
 * and do not need Slack, so Passdesk keeps serving them and the banner says which token to fix.
 */
export type SlackStart =
  | { ok: true; slack: RunningSlack }
  | { ok: false; token: SlackTokenName; error: string };

export type SlackAppDependencies = Omit<SlackDependencies, "bootstrapAdmins"> & {
  /** Built by the composition root; the role resolver reads user groups through it too. */
  web: SlackWebClient;
};

/**
 * Checks the tokens (auth.test; apps.connections.open in Socket Mode), then builds the Bolt app
 * with every feature's listeners, over HTTP (on Passdesk's server) or Socket Mode. Never throws for Slack's
 * sake: an unreachable Slack leaves Slack on and checked again in the background.
 */
export async function startSlack(
  settings: SlackConfig,
  deps: SlackAppDependencies,
): Promise<SlackStart> {
  const check = await checkSlackTokens(settings);
  if (!check.ok && check.reason === "rejected") {
    return { ok: false, token: check.token, error: check.error };
  }
  const { client, clientOptions, slackLogger: logger } = deps.web;

  // auth.test once, remembered only when it succeeds (Bolt's own cache would keep a failure).
  let identity: Promise<SlackIdentity> | undefined = check.ok
    ? Promise.resolve(check.identity)
    : undefined;
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

  const socket = settings.appToken
    ? createSocketModeConnection({
        appToken: settings.appToken,
        clientOptions,
        slackLogger: logger,
        logger: deps.logger,
      })
    : undefined;
  const receiver =
    socket || !settings.signingSecret
      ? undefined
      : createHonoReceiver({
          signingSecret: settings.signingSecret,
          logger: deps.logger,
          clock: deps.clock,
        });
  const app = new App({
    ...(receiver ? { receiver } : { socketMode: true, receiver: socket?.receiver }),
    authorize,
    clientOptions,
    logger,
  });

  const listenerDeps: SlackDependencies = { ...deps, bootstrapAdmins: settings.bootstrapAdmins };
  registerResetPassword(app, listenerDeps);
  registerSetPassword(app, listenerDeps);
  registerRoles(app, listenerDeps);
  registerTemplates(app, listenerDeps);
  registerAppHome(app, listenerDeps);
  registerSignIn(app, listenerDeps);
  registerReveal(app, listenerDeps);
  registerApproval(app, listenerDeps);
  registerSecuredAccount(app, listenerDeps);

  const unreachableAtStart = check.ok ? undefined : check.detail;
  // Socket Mode connects in the background (its first call is apps.connections.open again);
  // over HTTP, an unanswered auth.test is asked again until Slack says yes or no.
  socket?.start();
  const watcher =
    !socket && unreachableAtStart
      ? watchBotToken({
          settings,
          logger: deps.logger,
          onAccepted: (found) => {
            identity ??= Promise.resolve(found);
          },
        })
      : undefined;
  return {
    ok: true,
    slack: {
      routes: receiver?.routes,
      client,
      mode: receiver ? "http" : "socket",
      unreachableAtStart,
      stop: async () => {
        watcher?.stop();
        await socket?.stop();
      },
    },
  };
}
