import type { Repository } from "../../src/db/stores.ts";
import { createLogger } from "../../src/logger.ts";
import type { LimitRule, ResetLimits } from "../../src/password-reset/rate-limit.ts";
import type { WorkerDependencies } from "../../src/password-reset/worker.ts";
import { createArgon2Hasher } from "../../src/passwords/argon2-hasher.ts";
import { addUser } from "../../src/users/add-user.ts";
import type { ManualClock } from "./clock.ts";
import type { MemoryMailer } from "./memory-mailer.ts";

/** Cheap argon2 parameters: tests exercise the real library without OWASP's cost. */
export const testHasher = createArgon2Hasher({ memoryCost: 1024, timeCost: 1, parallelism: 1 });
export const silentLogger = createLogger("silent", false);
export const DEFAULT_CONNECTION = "Username-Password-Authentication";
export const testLimits: ResetLimits = {
  perEmail: { burst: 10, perMinute: 1 },
  perIp: { burst: 1000, perMinute: 1000 },
};
/** Emails per user from public requests: out of the way, but for the tests of that limit. */
export const testRecipientLimit: LimitRule = { burst: 1000, perMinute: 1000 };

export async function createTestUser(
  repo: Repository,
  email: string,
  options: { password?: string; name?: string; connection?: string } = {},
) {
  const result = await addUser(repo, testHasher, {
    connection: options.connection ?? DEFAULT_CONNECTION,
    email,
    password: options.password ?? "correct horse battery staple",
    name: options.name ?? null,
  });
  if (!result.ok) throw new Error(`could not create ${email}: ${result.reason}`);
  return result.user;
}

export function sendDependencies(
  repo: Repository,
  mailer: MemoryMailer,
  clock: ManualClock,
): WorkerDependencies {
  return {
    repo,
    mailer,
    clock,
    recipientLimit: testRecipientLimit,
    logger: silentLogger,
    settings: {
      publicUrl: "https://passdesk.example.com",
      defaultFrom: "Passdesk <no-reply@example.com>",
      tenant: "example",
      friendlyName: "Example",
      supportEmail: undefined,
      supportUrl: undefined,
      secureLinkLifetimeSeconds: 7 * 24 * 60 * 60,
    },
  };
}
