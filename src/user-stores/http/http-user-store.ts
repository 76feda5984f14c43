import { randomUUID } from "node:crypto";
import { z } from "zod";
import { isValidEmail, MAX_EMAIL_LENGTH, normalizeEmail } from "../../users/email.ts";
import type {
  ExternalPasswordChange,
  ExternalProfile,
  ExternalUserStore,
} from "../../users/external-store.ts";
import { HttpStoreUnavailableError, StoreClient, type StoreClientOptions } from "./store-client.ts";

/*
 * The ExternalUserStore of a connection whose users live behind the organisation's own API
 * (docs: POST get_user, verify_password, change_password). Both directions are signed with the
 * shared secret: the store must know the request is Passdesk's, and Passdesk must not take a
 * spoofed or replayed answer for the store's (an unsigned "200" to verify_password would let
 * anyone in).
 */

export interface HttpUserStoreOptions extends StoreClientOptions {
  /** Passdesk's bounded hasher.verify, for a password_hash the store returns. */
  verifyHash: (hash: string, password: string) => Promise<boolean>;
}

/** Probed by check(): `.invalid` (RFC 2606) can be no one's address. */
export const CHECK_EMAIL = "passdesk-connection-check@invalid.example";

/** At most this many get_user calls in flight for one getUsers. */
const MAX_IN_FLIGHT = 8;
const MAX_TEXT = 300;

const text = z.string().max(MAX_TEXT);
const optionalText = text.nullish();

const userSchema = z.object({
  user_id: z.union([z.string().min(1).max(MAX_TEXT), z.int()]),
  email: z
    .string()
    .max(MAX_EMAIL_LENGTH)
    .transform(normalizeEmail)
    .pipe(z.string().refine(isValidEmail)),
  name: optionalText,
  given_name: optionalText,
  family_name: optionalText,
  nickname: optionalText,
  email_verified: z.boolean().nullish(),
  blocked: z.boolean().nullish(),
  password_hash: optionalText,
});

export function createHttpUserStore(options: HttpUserStoreOptions): ExternalUserStore {
  const client = new StoreClient(options);
  const verifyHash = options.verifyHash;

  async function getUser(email: string): Promise<ExternalProfile | undefined> {
    const wanted = normalizeEmail(email);
    if (!isValidEmail(wanted)) return undefined;
    const answer = await client.call("get_user", { email: wanted }, randomUUID(), [200, 404]);
    if (answer.status === 404) return undefined;
    const profile = client.parse(answer, "get_user", userSchema, toProfile);
    // A broken or malicious store must not redirect mail meant for one address to another.
    return profile.email === wanted ? profile : undefined;
  }

  return {
    description: `http ${client.base.origin}${client.base.pathname.replace(/\/$/, "")}`,
    getUser,
    getUsers: (emails) => getUsersLimited(emails, getUser),

    async verifyPassword(profile, password) {
      if (profile.passwordHash) return verifyHash(profile.passwordHash, password);
      const body = { user_id: profile.externalId, email: profile.email, password };
      const answer = await client.call("verify_password", body, randomUUID(), [200, 401]);
      return answer.status === 200;
    },

    async changePassword(profile, change: ExternalPasswordChange) {
      const body = { user_id: profile.externalId, email: profile.email, password: change.password };
      const answer = await client.call("change_password", body, change.idempotencyKey, [200, 404]);
      return answer.status === 200 ? "changed" : "not_found";
    },

    async check() {
      try {
        const answer = await client.call(
          "get_user",
          { email: CHECK_EMAIL },
          randomUUID(),
          [200, 404],
        );
        if (answer.status === 200) client.parse(answer, "get_user", userSchema, toProfile);
      } catch (error) {
        throw new Error(describeCheckFailure(options.connection, error));
      }
    },

    close: async () => {},
  };
}

/** The first `get_user` answer's fields, in Passdesk's shape. */
function toProfile(user: z.output<typeof userSchema>): ExternalProfile {
  return {
    externalId: String(user.user_id),
    email: user.email,
    emailVerified: user.email_verified ?? false,
    name: user.name ?? null,
    givenName: user.given_name ?? null,
    familyName: user.family_name ?? null,
    nickname: user.nickname ?? null,
    blocked: user.blocked ?? false,
    passwordHash: user.password_hash || null,
  };
}

/** getUser for each distinct email, at most MAX_IN_FLIGHT at once, in the given order. */
async function getUsersLimited(
  emails: string[],
  getUser: (email: string) => Promise<ExternalProfile | undefined>,
): Promise<ExternalProfile[]> {
  const distinct = [...new Set(emails.map(normalizeEmail))];
  const found: (ExternalProfile | undefined)[] = new Array(distinct.length);
  let next = 0;
  let failed = false;
  async function worker(): Promise<void> {
    while (!failed && next < distinct.length) {
      const index = next++;
      try {
        found[index] = await getUser(distinct[index] as string);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  }
  const workers = Math.min(MAX_IN_FLIGHT, distinct.length);
  await Promise.all(Array.from({ length: workers }, worker));
  return found.filter((profile) => profile !== undefined);
}

/** One line for `connections check`: what failed and what to look at. */
function describeCheckFailure(connection: string, error: unknown): string {
  if (!(error instanceof HttpStoreUnavailableError)) {
    return `connection ${connection}: the user store check failed`;
  }
  const where = error.endpointUrl;
  switch (error.kind) {
    case "unreachable":
      return `connection ${connection}: cannot reach ${where} (${error.why})`;
    case "signature":
      return `connection ${connection}: answers from ${where} are not signed with the configured secret (${error.why})`;
    case "contract":
      if (error.why === "HTTP 401" || error.why === "HTTP 403") {
        return `connection ${connection}: ${where} refuses Passdesk's requests (${error.why}); is the secret the same on both sides?`;
      }
      return `connection ${connection}: ${where} does not answer as the contract says (${error.why})`;
  }
}
