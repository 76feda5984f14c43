import type { Hono } from "hono";
import type { Config } from "../config.ts";
import { createOidcRoutes } from "../http/oauth/oidc-routes.ts";
import { createRevokeRoute } from "../http/oauth/revoke-route.ts";
import { createTokenRoute } from "../http/oauth/token-route.ts";
import { withCachedLookups } from "../password-reset/cached-lookups.ts";
import { type BruteForceGuard, createBruteForceGuard } from "../sign-in/brute-force.ts";
import type { TokenSettings } from "../sign-in/issue-tokens.ts";
import { createKeyEncryption } from "../sign-in/key-encryption.ts";
import { createKeyRing } from "../sign-in/key-ring.ts";
import type { Adapters } from "./adapters.ts";
import { loadKeyEncryptionKey } from "./key-encryption-key.ts";

export function tokenSettingsOf(config: Config, publicUrl: string): TokenSettings {
  return {
    issuer: `${publicUrl}/`,
    userinfoAudience: `${publicUrl}/userinfo`,
    accessTokenLifetimeSeconds: config.signIn.accessTokenLifetimeSeconds,
    idTokenLifetimeSeconds: config.signIn.idTokenLifetimeSeconds,
    refreshTokenLifetimeSeconds: config.signIn.refreshTokenLifetimeSeconds,
  };
}

/** The longest a token signed by a key can live: how long a rotated key stays published. */
export function maxTokenLifetimeSeconds(config: Config): number {
  return Math.max(config.signIn.accessTokenLifetimeSeconds, config.signIn.idTokenLifetimeSeconds);
}

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

/**
 * Sign-in's routes (`/oauth/token`, `/oauth/revoke`, discovery, JWKS, `/userinfo`). Before
 * the first request: the signing key is read (or made, on a new database) and opened, so that
 * a wrong PASSDESK_KEY_ENCRYPTION_KEY stops the start instead of failing every sign-in, and the
 * dummy hash that unknown users are checked against is made with the current parameters.
 */
export async function createSignInRoutes(
  config: Config,
  adapters: Adapters,
  publicUrl: string,
): Promise<Hono[]> {
  const { repo, clock, logger, hasher } = adapters;
  const guard = createSignInGuard(config, adapters, publicUrl);
  const encryption = createKeyEncryption(loadKeyEncryptionKey(config, logger));
  const keyRing = createKeyRing({ keys: repo.signingKeys, encryption, clock });
  await keyRing.signingKey();
  const dummyHash = await hasher.hash(crypto.randomUUID());
  const settings = tokenSettingsOf(config, publicUrl);
  const stores = withCachedLookups(repo, clock);
  const common = { clients: repo.clients, clock, logger, trustedProxies: config.trustProxy };
  return [
    createTokenRoute({
      ...common,
      exchange: {
        stores,
        transaction: repo.transaction,
        hasher,
        dummyHash,
        guard,
        clock,
        keyRing,
        settings,
        defaultConnection: config.defaultConnection,
      },
      rateLimits: repo.rateLimits,
      perIp: config.signIn.perIp,
    }),
    createRevokeRoute({ ...common, revoke: { stores, clock } }),
    createOidcRoutes({
      ...common,
      userInfo: {
        keyRing,
        users: repo.users,
        issuer: settings.issuer,
        userinfoAudience: settings.userinfoAudience,
      },
      publicUrl,
    }),
  ];
}
