import type { Config } from "../config.ts";
import { type BruteForceGuard, createBruteForceGuard } from "../sign-in/brute-force.ts";
import type { Adapters } from "./adapters.ts";

/**
 * The brute-force guard the token endpoint calls (src/sign-in/password-grant.ts): one per
 * process, its counts shared with every other instance through the database.
 */
export function createSignInGuard(
  config: Config,
  { repo, mailer, logger }: Pick<Adapters, "repo" | "mailer" | "logger">,
  publicUrl: string,
): BruteForceGuard {
  return createBruteForceGuard({
    repo,
    mailer,
    logger,
    ipThrottle: config.signIn.ipThrottle,
    settings: {
      publicUrl,
      defaultFrom: config.email.from,
      friendlyName: config.email.friendlyName,
      supportEmail: config.email.supportEmail,
      supportUrl: config.email.supportUrl,
      unblockLinkLifetimeSeconds: config.signIn.unblockLinkLifetimeSeconds,
    },
  });
}
