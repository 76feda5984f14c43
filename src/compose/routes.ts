import type { Hono } from "hono";
import type { Config } from "../config.ts";
import { createChangePasswordRoute } from "../http/change-password/route.ts";
import { createResetPageRoutes } from "../http/reset-page/routes.ts";
import { createRevealPageRoutes } from "../http/reveal-page/routes.ts";
import { createSecurePageRoutes } from "../http/secure-page/routes.ts";
import { createSendGridWebhookRoute } from "../http/sendgrid-webhook/route.ts";
import { createSignUpRoute } from "../http/signup/route.ts";
import { createUnblockPageRoutes } from "../http/unblock-page/routes.ts";
import { withCachedLookups } from "../password-reset/cached-lookups.ts";
import type { Adapters } from "./adapters.ts";
import type { Jobs } from "./jobs.ts";

/** Every HTTP route but the health checks: the public API, the reset page, webhooks, Slack. */
export function createRoutes(
  config: Config,
  { repo, clock, logger, hasher, external, reveal }: Adapters,
  jobs: Jobs,
  publicUrl: string,
): Hono[] {
  return [
    createChangePasswordRoute({
      // Read on every public request; cached so that a flood costs the database less.
      repo: withCachedLookups(repo, clock),
      clock,
      logger,
      limits: config.rateLimits,
      trustedProxies: config.trustProxy,
    }),
    createSignUpRoute({
      // Not cached: `connections set` opens and closes signup and changes the policy, at once.
      repo,
      hasher,
      clock,
      logger,
      limits: config.signupLimits,
      trustedProxies: config.trustProxy,
    }),
    createResetPageRoutes({
      repo,
      hasher,
      external,
      clock,
      logger,
      limits: config.resetPageLimits,
      trustedProxies: config.trustProxy,
      publicUrl,
      friendlyName: config.email.friendlyName,
      supportEmail: config.email.supportEmail,
      supportUrl: config.email.supportUrl,
    }),
    createUnblockPageRoutes({
      repo,
      clock,
      logger,
      publicUrl,
      friendlyName: config.email.friendlyName,
      supportEmail: config.email.supportEmail,
      supportUrl: config.email.supportUrl,
    }),
    createRevealPageRoutes({
      repo,
      sealer: reveal.sealer,
      clock,
      logger,
      publicUrl,
      friendlyName: config.email.friendlyName,
      supportEmail: config.email.supportEmail,
      supportUrl: config.email.supportUrl,
    }),
    createSecurePageRoutes({
      repo,
      clock,
      logger,
      publicUrl,
      friendlyName: config.email.friendlyName,
      supportEmail: config.email.supportEmail,
      supportUrl: config.email.supportUrl,
    }),
    ...(config.sendgridWebhookPublicKey
      ? [
          createSendGridWebhookRoute({
            repo,
            logger,
            clock,
            trustedProxies: config.trustProxy,
            publicKey: config.sendgridWebhookPublicKey,
            onApplied: async (applied) => {
              await jobs.deliveryNotifier?.onApplied(applied);
            },
          }),
        ]
      : []),
    ...(jobs.slackRoutes ? [jobs.slackRoutes] : []),
  ];
}
