import { createAuditChannelFilter } from "../audit/channel-policy.ts";
import type { Clock } from "../clock.ts";
import type { Config } from "../config.ts";
import type { DatabaseHandle } from "../db/client.ts";
import { createRepository } from "../db/stores.ts";
import { createConsoleMailer } from "../email/console-mailer.ts";
import type { Mailer } from "../email/mailer.ts";
import { createSendGridMailer } from "../email/sendgrid-mailer.ts";
import type { Logger } from "../logger.ts";
import type { ExternalChangeWiring } from "../password-reset/external-change.ts";
import type { RevealSettings } from "../password-reset/password-reveal.ts";
import { type Argon2Params, createArgon2Hasher } from "../passwords/argon2-hasher.ts";
import { createBoundedHasher, createWorkBound } from "../passwords/bounded-hasher.ts";
import type { PasswordHasher } from "../passwords/hasher.ts";
import { createKeyEncryption } from "../sign-in/key-encryption.ts";
import { createExternalStores } from "./external-stores.ts";
import { loadKeyEncryptionKey } from "./key-encryption-key.ts";

/** Seams for tests: everything else comes from config. */
export interface AdapterOverrides {
  mailer?: Mailer;
  argon2?: Argon2Params;
  /** Replaces the argon2 hasher (tests count its operations); the process-wide bound still wraps it. */
  hasher?: PasswordHasher;
  /** Where connections' store URLs and secrets are read; the process environment by default. */
  env?: Record<string, string | undefined>;
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
  const bound = createWorkBound(config.argon2Bounds);
  const hasher = createBoundedHasher(options.hasher ?? createArgon2Hasher(options.argon2), bound);
  const externalStores = createExternalStores({
    env: options.env ?? process.env,
    hasher,
    bound,
    logger,
    timeoutMillis: config.userStores.timeoutMillis,
    retries: config.userStores.retries,
  });
  const repo = createRepository(handle, {
    hasher,
    externalStores,
    shouldPostAudit: createAuditChannelFilter({
      hasChannel: slackSettings?.auditChannel !== undefined,
      publicRequests: slackSettings?.auditPublicRequests === true,
      signInEvents: slackSettings?.auditSignInEvents,
    }),
  });
  const mailer =
    options.mailer ??
    (config.sendgrid ? createSendGridMailer(config.sendgrid) : createConsoleMailer(logger));
  const keyEncryptionKey = loadKeyEncryptionKey(config, logger);
  const external: ExternalChangeWiring = {
    stores: externalStores,
    seal: createKeyEncryption(keyEncryptionKey, "passdesk pending password"),
    leaseMillis: config.userStores.changeLeaseMillis,
  };
  const reveal: RevealSettings = {
    sealer: createKeyEncryption(keyEncryptionKey, "passdesk password to reveal"),
    lifetimeSeconds: config.passwordRevealLifetimeSeconds,
  };
  return { logger, clock, repo, hasher, mailer, externalStores, external, reveal };
}
