import { createAuditChannelFilter } from "../audit/channel-policy.ts";
import type { Clock } from "../clock.ts";
import type { Config } from "../config.ts";
import type { DatabaseHandle } from "../db/client.ts";
import { createRepository } from "../db/stores.ts";
import { createConsoleMailer } from "../email/console-mailer.ts";
import type { Mailer } from "../email/mailer.ts";
import { createSendGridMailer } from "../email/sendgrid-mailer.ts";
import type { Logger } from "../logger.ts";
import { type Argon2Params, createArgon2Hasher } from "../passwords/argon2-hasher.ts";
import { createBoundedHasher } from "../passwords/bounded-hasher.ts";
import type { PasswordHasher } from "../passwords/hasher.ts";

/** Seams for tests: everything else comes from config. */
export interface AdapterOverrides {
  mailer?: Mailer;
  argon2?: Argon2Params;
  /** Replaces the argon2 hasher (tests count its operations); the process-wide bound still wraps it. */
  hasher?: PasswordHasher;
}

export type Adapters = ReturnType<typeof createAdapters>;

/** The stores on the open database, the bounded hasher and the mailer, as config says. */
export function createAdapters(
  config: Config,
  handle: DatabaseHandle,
  options: AdapterOverrides & { logger: Logger; clock: Clock },
) {
  const { logger, clock } = options;
  const slackSettings = config.slack.settings;
  // One bound for every server-side caller (reset page, Slack, later sign-in): Argon2 work from
  // all of them together never takes more than its share of the CPU and the libuv thread pool.
  const hasher = createBoundedHasher(
    options.hasher ?? createArgon2Hasher(options.argon2),
    config.argon2Bounds,
  );
  const repo = createRepository(handle, {
    hasher,
    shouldPostAudit: createAuditChannelFilter({
      hasChannel: slackSettings?.auditChannel !== undefined,
      publicRequests: slackSettings?.auditPublicRequests === true,
      signInEvents: slackSettings?.auditSignInEvents,
    }),
  });
  const mailer =
    options.mailer ??
    (config.sendgrid ? createSendGridMailer(config.sendgrid) : createConsoleMailer(logger));
  return { logger, clock, repo, hasher, mailer };
}
