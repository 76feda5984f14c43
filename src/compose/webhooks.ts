import type { Config } from "../config.ts";
import type { Logger } from "../logger.ts";
import { createKeyEncryption } from "../sign-in/key-encryption.ts";
import type { SecretSeal } from "../webhooks/deliver.ts";
import { startWebhookDeliverer, type WebhookDelivererOptions } from "../webhooks/deliverer.ts";
import { createHttpWebhookSender } from "../webhooks/http-sender.ts";
import type { Adapters } from "./adapters.ts";
import { loadKeyEncryptionKey } from "./key-encryption-key.ts";

/** Binds a sealed webhook secret to its use: it opens as nothing else, and nothing else as it. */
const WEBHOOK_SECRET_USE = "passdesk webhook secret";

/** Seals webhook secrets under the key-encryption key (the server and the CLI share it). */
export function createWebhookSecretSeal(config: Config, logger?: Logger): SecretSeal {
  return createKeyEncryption(loadKeyEncryptionKey(config, logger), WEBHOOK_SECRET_USE);
}

/** The webhook deliverer, as config says; every instance runs one. */
export function startWebhookDelivery(
  config: Config,
  { repo, clock, logger }: Pick<Adapters, "repo" | "clock" | "logger">,
  options: WebhookDelivererOptions = {},
) {
  const { timeoutMillis, maxAttempts, maxAgeMillis } = config.webhooks;
  return startWebhookDeliverer(
    {
      repo,
      clock,
      logger,
      sender: createHttpWebhookSender({ timeoutMillis }),
      secrets: createWebhookSecretSeal(config, logger),
      // A send in flight is never taken over: the lease outlasts its timeout by a margin.
      leaseMillis: 2 * timeoutMillis + 30_000,
      maxAttempts,
      maxAgeMillis,
    },
    options,
  );
}
