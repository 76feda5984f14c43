import type {
  App,
  Middleware,
  RespondFn,
  SlackCommandMiddlewareArgs,
  SlashCommand,
} from "@slack/bolt";
import { requestStaffReset } from "../../password-reset/staff-reset.ts";
import { isDatabaseConnection } from "../../users/connection.ts";
import { parseCommandText } from "../command-text.ts";
import { COMMANDS } from "../contract.ts";
import { recordDenial, type SlackDependencies } from "../dependencies.ts";
import { resolveTargetEmail } from "../resolve-target.ts";
import { canAdminister, canRequestReset, type SlackActor } from "../roles.ts";
import { encodeTarget } from "../set-password-target.ts";
import { describeStaffReset } from "../staff-reset-reply.ts";
import { escapeMrkdwn } from "../views/block-kit.ts";
import { describeResetOutcome, usageMessage } from "../views/messages.ts";
import { buildSetPasswordModal } from "../views/set-password-modal.ts";

function actorOf(command: SlashCommand): SlackActor {
  return { teamId: command.team_id, userId: command.user_id };
}

const reply = (respond: RespondFn, text: string) => respond({ response_type: "ephemeral", text });

const FAILED =
  "Sorry, that did not work: Slack or Passdesk did not answer. The error has been logged; try again in a minute.";

/**
 * Listener middleware for a command. The listener acks first, so an error it throws afterwards
 * (Slack's API failing or rate limiting, the database unreachable) would reach no one: tell the
 * requester, and log it.
 */
function answerFailures(deps: SlackDependencies): Middleware<SlackCommandMiddlewareArgs> {
  return async ({ next, respond, command }) => {
    try {
      await next();
    } catch (error) {
      deps.logger.error({ err: error, command: command.command }, "Slack command failed");
      await reply(respond, FAILED).catch((replyError: unknown) =>
        deps.logger.warn({ err: replyError }, "could not tell the requester the command failed"),
      );
    }
  };
}

/** `/reset-password` and `/set-password`. Both ack at once and answer through response_url. */
export function registerCommands(app: App, deps: SlackDependencies): void {
  const reportFailures = answerFailures(deps);
  app.command(COMMANDS.resetPassword, reportFailures, async ({ command, ack, respond, client }) => {
    await ack();
    const actor = actorOf(command);
    if (!canRequestReset(await deps.roles.rolesOf(actor))) {
      await recordDenial(deps, actor, COMMANDS.resetPassword);
      return void (await reply(
        respond,
        describeResetOutcome({ reason: "denied" }, { email: "", connection: "" }),
      ));
    }
    const parsed = parseCommandText(command.text);
    if (!parsed.ok) {
      return void (await reply(
        respond,
        parsed.reason === "invalid_email"
          ? describeResetOutcome(
              { reason: "invalid_email" },
              { email: command.text.trim().split(/\s+/)[0] ?? "", connection: "" },
            )
          : usageMessage(COMMANDS.resetPassword, deps.defaultConnection),
      ));
    }
    const connection = parsed.connection ?? deps.defaultConnection;
    const resolved = await resolveTargetEmail(client, parsed.target);
    if (!resolved.ok) {
      return void (await reply(respond, describeResetOutcome(resolved, { email: "", connection })));
    }
    const result = await requestStaffReset(
      { repo: deps.repo, clock: deps.clock, limits: deps.limits },
      {
        email: resolved.email,
        connection,
        requestedBy: { ...actor, channelId: command.channel_id },
      },
    );
    if (result.outcome === "queued") deps.wakeWorker();
    await reply(respond, describeStaffReset(result, resolved.email, connection));
  });

  app.command(COMMANDS.setPassword, reportFailures, async ({ command, ack, respond, client }) => {
    await ack();
    const actor = actorOf(command);
    if (!canAdminister(await deps.roles.rolesOf(actor))) {
      await recordDenial(deps, actor, COMMANDS.setPassword);
      return void (await reply(respond, "Only Passdesk *admins* can set passwords."));
    }
    const parsed = parseCommandText(command.text);
    if (!parsed.ok) {
      return void (await reply(
        respond,
        parsed.reason === "invalid_email"
          ? "That is not a valid email address. Give an email or an @mention."
          : usageMessage(COMMANDS.setPassword, deps.defaultConnection),
      ));
    }
    const connectionName = parsed.connection ?? deps.defaultConnection;
    const resolved = await resolveTargetEmail(client, parsed.target);
    if (!resolved.ok) {
      return void (await reply(
        respond,
        describeResetOutcome(resolved, { email: "", connection: connectionName }),
      ));
    }
    const connection = await deps.repo.connections.findByName(connectionName);
    if (!connection) {
      return void (await reply(
        respond,
        describeResetOutcome(
          { reason: "connection_not_found" },
          { email: resolved.email, connection: connectionName },
        ),
      ));
    }
    if (!isDatabaseConnection(connection)) {
      return void (await reply(
        respond,
        `\`${escapeMrkdwn(connectionName)}\` is a social or enterprise connection: its users sign in there and have no password Passdesk can set.`,
      ));
    }
    const user = await deps.repo.users.findByEmail(connection.id, resolved.email);
    if (!user) {
      return void (await reply(
        respond,
        `There is no user *${escapeMrkdwn(resolved.email)}* in \`${escapeMrkdwn(connectionName)}\`: no password was set.`,
      ));
    }
    await client.views.open({
      trigger_id: command.trigger_id,
      view: buildSetPasswordModal({
        target: { email: user.email, name: user.name, connection: connection.name },
        policy: connection.policy,
        mode: "type",
        privateMetadata: encodeTarget({
          userId: user.id,
          email: user.email,
          name: user.name,
          connection: connection.name,
        }),
      }),
    });
  });
}
