import { startApprovalExpiry } from "../approvals/expire-approvals.ts";
import { startAuditAnchoring } from "../audit/anchor-job.ts";
import { createHttpAuditSender } from "../audit/http-batch-sender.ts";
import { startAuditPoster } from "../audit/post-to-channel.ts";
import { startAuditStream } from "../audit/stream.ts";
import type { Config, SlackConfig } from "../config.ts";
import type { EmailSettings } from "../password-reset/compose-email.ts";
import { startExternalChangeRecovery } from "../password-reset/external-change.ts";
import { startRevealExpiry } from "../password-reset/password-reveal.ts";
import { startWorker } from "../password-reset/worker.ts";
import { createOpaqueId } from "../secret-tokens.ts";
import { startSignInPruner } from "../sign-in/prune.ts";
import { startSlack } from "../slack/app.ts";
import { tellOutcome } from "../slack/approval/tell.ts";
import { createSlackDeliveryNotifier } from "../slack/audit-channel/delivery-status.ts";
import { createSlackAuditChannel } from "../slack/audit-channel/slack-audit-channel.ts";
import { createRoleResolver } from "../slack/role-resolver.ts";
import { createSlackWebClient, listUsergroupMembersWith } from "../slack/web-client.ts";
import type { Adapters } from "./adapters.ts";
import { startWebhookDelivery } from "./webhooks.ts";

export function emailSettingsOf(config: Config, publicUrl: string): EmailSettings {
  return {
    publicUrl,
    defaultFrom: config.email.from,
    tenant: config.email.tenant,
    friendlyName: config.email.friendlyName,
    supportEmail: config.email.supportEmail,
    supportUrl: config.email.supportUrl,
    secureLinkLifetimeSeconds: config.email.secureLinkLifetimeSeconds,
  };
}

export type Jobs = Awaited<ReturnType<typeof startBackgroundJobs>>;

/**
 * The outbox worker, the webhook deliverer, the sign-in counts' pruner, and Slack (with the audit channel and delivery
 * status) when configured.
 */
export async function startBackgroundJobs(
  config: Config,
  { repo, clock, mailer, logger, hasher, external, reveal }: Adapters,
  publicUrl: string,
  options: {
    workerPollIntervalMillis?: number;
    auditAnchorCheckMillis?: number;
    webhookPollIntervalMillis?: number;
    revealExpiryIntervalMillis?: number;
    approvalExpiryIntervalMillis?: number;
  },
) {
  const email = emailSettingsOf(config, publicUrl);
  const worker = startWorker(
    {
      repo,
      clock,
      mailer,
      logger,
      leaseMillis: config.email.sendLeaseSeconds * 1000,
      settings: email,
      recipientLimit: config.rateLimits.perRecipient,
    },
    {
      logger,
      ...(options.workerPollIntervalMillis && {
        pollIntervalMillis: options.workerPollIntervalMillis,
      }),
    },
  );
  const webhooks = startWebhookDelivery(
    config,
    { repo, clock, logger },
    options.webhookPollIntervalMillis
      ? { pollIntervalMillis: options.webhookPollIntervalMillis }
      : {},
  );
  const auditStream = startConfiguredAuditStream(config, { repo, clock, logger });
  const signInPruner = startSignInPruner({ repo, clock, logger });
  const revealExpiry = startRevealExpiry({
    repo,
    hasher,
    clock,
    logger,
    ...(options.revealExpiryIntervalMillis && {
      intervalMillis: options.revealExpiryIntervalMillis,
    }),
  });
  const recovery = startExternalChangeRecovery({
    ...external,
    repo,
    clock,
    logger,
    intervalMillis: config.userStores.recoveryIntervalMillis,
  });
  await recovery.run();
  const slackSettings = config.slack.settings;
  const slackStart = slackSettings
    ? await startSlack(slackSettings, {
        ...createSlackAdapters(slackSettings, { repo, clock, logger }),
        repo,
        hasher,
        external,
        reveal,
        approval: {
          ...config.setPasswordApproval,
          channel: slackSettings.approvalChannel,
        },
        clock,
        logger,
        limits: config.rateLimits,
        defaultConnection: config.defaultConnection,
        wakeWorker: () => worker.wake(),
        mailer,
        email,
      })
    : undefined;
  const slack = slackStart?.ok ? slackStart.slack : undefined;
  const auditChannel = slackSettings?.auditChannel;
  const auditPoster =
    slack && auditChannel
      ? startAuditPoster({
          queue: repo.auditPosts,
          channel: createSlackAuditChannel(slack.client, auditChannel),
          clock,
          logger,
        })
      : undefined;
  // The chain's head, posted through the audit channel: a copy outside the database.
  const anchoring =
    auditPoster && config.audit.anchorIntervalMillis > 0
      ? startAuditAnchoring({
          chain: repo.auditChain,
          logger,
          everyMillis: config.audit.anchorIntervalMillis,
          ...(options.auditAnchorCheckMillis && { checkMillis: options.auditAnchorCheckMillis }),
        })
      : undefined;
  // Requests for approval exist only with Slack: their expiry is told on the card and by DM.
  const approvalExpiry = slack
    ? startApprovalExpiry({
        repo,
        clock,
        logger,
        onExpired: (approval, email) => tellOutcome({ logger }, slack.client, approval, email),
        ...(options.approvalExpiryIntervalMillis && {
          intervalMillis: options.approvalExpiryIntervalMillis,
        }),
      })
    : undefined;
  const deliveryNotifier = slack
    ? createSlackDeliveryNotifier({ repo, client: slack.client, logger })
    : undefined;
  return {
    slackStart,
    slackRoutes: slack?.routes,
    deliveryNotifier,
    async stop() {
      await worker.stop();
      await webhooks.stop();
      await auditStream?.stop();
      await signInPruner.stop();
      await revealExpiry.stop();
      await approvalExpiry?.stop();
      await recovery.stop();
      await anchoring?.stop();
      await auditPoster?.stop();
      await slack?.stop();
    },
  };
}

/** The audit log streamed to AUDIT_STREAM_URL, when set: every instance may send, one at a time. */
function startConfiguredAuditStream(
  config: Config,
  { repo, clock, logger }: Pick<Adapters, "repo" | "clock" | "logger">,
) {
  const settings = config.audit.stream;
  if (!settings) return undefined;
  return startAuditStream({
    chain: repo.auditChain,
    checkpoints: repo.auditStream,
    send: createHttpAuditSender(settings),
    format: settings.format,
    batchSize: settings.batchSize,
    clock,
    logger,
    intervalMillis: settings.intervalMillis,
    // Every batch of a pass may take the whole timeout; the lease is renewed after each.
    leaseMillis: settings.timeoutMillis * 2 + 30_000,
    owner: createOpaqueId("inst"),
  });
}

/** Slack's Web API client, and the role resolver that reads user groups through it. */
function createSlackAdapters(
  settings: SlackConfig,
  { repo, clock, logger }: Pick<Adapters, "repo" | "clock" | "logger">,
) {
  const web = createSlackWebClient(settings, logger);
  const roles = createRoleResolver({
    grants: repo.roles,
    bootstrapAdmins: settings.bootstrapAdmins,
    usergroups: { admin: settings.adminUsergroup, support: settings.supportUsergroup },
    listUsergroupMembers: listUsergroupMembersWith(web.client),
    clock,
  });
  return { web, roles };
}
