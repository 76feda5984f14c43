import pino from "pino";
import {
  type AttemptAdmission,
  type BruteForceGuard,
  type BruteForceGuardDependencies,
  createBruteForceGuard,
} from "../../src/sign-in/brute-force.ts";
import type { BruteForceSettings, Connection } from "../../src/users/connection.ts";
import { normalizeEmail } from "../../src/users/email.ts";
import type { ConnectionStore, UserStore } from "../../src/users/ports.ts";
import { createManualClock } from "./clock.ts";
import { createMemoryStores } from "./memory/stores.ts";
import { createMemoryMailer } from "./memory-mailer.ts";

export const SIGN_IN_SETTINGS = {
  publicUrl: "https://passdesk.example.com",
  defaultFrom: "Passdesk <no-reply@example.com>",
  friendlyName: "Example",
  supportEmail: "help@example.com",
  supportUrl: undefined,
  unblockLinkLifetimeSeconds: 86_400,
};

export type SignInOutcome = AttemptAdmission | { allowed: true; signedIn: boolean };

/**
 * The order the token endpoint calls the guard in (src/sign-in/password-grant.ts): admit before
 * the password is checked; then succeeded or failed, with the user when there is one. Unknown
 * users fail like wrong passwords.
 */
export async function attemptSignIn(
  guard: BruteForceGuard,
  repo: { users: Pick<UserStore, "findByEmail" | "verifyPassword"> },
  input: { connection: Connection; email: string; password: string; ip: string; at: Date },
): Promise<SignInOutcome> {
  const attempt = { ...input, email: normalizeEmail(input.email) };
  const admission = await guard.admit(attempt);
  if (!admission.allowed) return admission;
  const user = await repo.users.findByEmail(input.connection.id, attempt.email);
  const check = user ? await repo.users.verifyPassword(user, input.password) : undefined;
  if (user && check?.ok) {
    await guard.succeeded(attempt);
    return { allowed: true, signedIn: true };
  }
  await guard.failed(attempt, user);
  return { allowed: true, signedIn: false };
}

/**
 * A guard over `repo` (any backend) with a memory mailer and silent logs; `settled` waits for
 * what it does after answering (the block's email).
 */
export function createTestGuard(
  repo: BruteForceGuardDependencies["repo"],
  options: { ipThrottle?: { burst: number; perMinute: number } } = {},
) {
  const mailer = createMemoryMailer();
  const background: Array<Promise<void>> = [];
  const guard = createBruteForceGuard({
    repo,
    mailer,
    logger: pino({ level: "silent" }),
    settings: SIGN_IN_SETTINGS,
    ipThrottle: options.ipThrottle ?? { burst: 100, perMinute: 10 },
    runInBackground: (task) => void background.push(task()),
  });
  return {
    guard,
    mailer,
    /** Waits for the emails the guard sent after answering. */
    async settled() {
      await Promise.all(background.splice(0));
    },
  };
}

/** The guard over memory stores, a memory mailer and a manual clock: no I/O. */
export function createMemorySignIn(
  options: {
    bruteForce?: Partial<BruteForceSettings>;
    ipThrottle?: { burst: number; perMinute: number };
  } = {},
) {
  const clock = createManualClock(new Date("2026-03-01T09:00:00Z"));
  const repo = createMemoryStores({ clock });
  const { guard, mailer, settled } = createTestGuard(repo, options);
  let connection: Connection | undefined;

  async function theConnection(connections: Pick<ConnectionStore, "findById">) {
    if (!connection) {
      const found = await connections.findById(1);
      if (!found) throw new Error("no default connection");
      connection = { ...found, bruteForce: { ...found.bruteForce, ...options.bruteForce } };
    }
    return connection;
  }

  return {
    repo,
    mailer,
    clock,
    guard,
    async addUser(email: string, password = "right password") {
      const user = await repo.users.add(1, { email, passwordHash: `plain:${password}` });
      if (!user) throw new Error(`could not add ${email}`);
      return user;
    },
    async signIn(email: string, password: string, ip = "192.0.2.10", at = clock.now()) {
      return attemptSignIn(guard, repo, {
        connection: await theConnection(repo.connections),
        email,
        password,
        ip,
        at,
      });
    },
    settled,
  };
}
