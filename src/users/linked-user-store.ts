import type { Connection } from "./connection.ts";
import { normalizeEmail } from "./email.ts";
import {
  type ExternalProfile,
  ExternalStoreUnavailableError,
  type ExternalUserStore,
} from "./external-store.ts";
import type { ConnectionStore, UserLinkStore, UserStore } from "./ports.ts";
import type { User } from "./user.ts";

/** Opens (once) the store of a connection whose users live elsewhere. */
export interface ExternalStoreRegistry {
  /** Throws ExternalStoreUnavailableError when it cannot be opened (a variable unset, say). */
  storeFor(connection: Connection): ExternalUserStore;
}

/**
 * Passdesk's UserStore over its own tables and every external store: a connection with a store
 * is answered by that store, through a link row per user (users/user.ts `externalId`) to which
 * tickets, history, refresh tokens and the audit refer. Profiles and hashes are read from the
 * store at every look-up and never kept.
 *
 * A user found by email must carry that email, and a user found by id the same external id: a
 * broken or malicious store cannot make Passdesk mail another address than the one it returned
 * for that user.
 */
export function createLinkedUserStore(
  own: UserStore & UserLinkStore,
  connections: Pick<ConnectionStore, "findById" | "list">,
  registry: ExternalStoreRegistry,
): UserStore {
  async function externalStoreOf(connectionId: number) {
    const connection = await connections.findById(connectionId);
    if (!connection?.store) return undefined;
    return { connection, store: registry.storeFor(connection) };
  }

  async function linked(connectionId: number, profiles: ExternalProfile[]): Promise<User[]> {
    const unique = [...new Map(profiles.map((profile) => [profile.externalId, profile])).values()];
    const links = await own.link(connectionId, unique);
    return unique.map((profile, i) => toUser(connectionId, profile, links[i] as LinkRow));
  }

  async function findLinked(row: User): Promise<User | undefined> {
    const external = await externalStoreOf(row.connectionId);
    if (!external) return undefined;
    const profile = await external.store.getUser(row.email);
    if (!profile || profile.externalId !== row.externalId) return undefined;
    return toUser(row.connectionId, profile, row);
  }

  const users: UserStore = {
    ...own,
    async findByEmail(connectionId, email) {
      const external = await externalStoreOf(connectionId);
      if (!external) return own.findByEmail(connectionId, email);
      const normalized = normalizeEmail(email);
      const profile = await external.store.getUser(normalized);
      if (!profile || profile.email !== normalized) return undefined;
      return (await linked(connectionId, [profile]))[0];
    },
    async findByEmails(connectionId, emails) {
      const external = await externalStoreOf(connectionId);
      if (!external) return own.findByEmails(connectionId, emails);
      const wanted = new Set(emails.map(normalizeEmail));
      const profiles = await external.store.getUsers([...wanted]);
      return linked(
        connectionId,
        profiles.filter((profile) => wanted.has(profile.email)),
      );
    },
    async findAllByEmail(email) {
      const normalized = normalizeEmail(email);
      const found = (await own.findAllByEmail(normalized)).filter((user) => !user.externalId);
      // A store that cannot be asked is left out: this serves hints (where else an email signs
      // in), and one store down must not stop every other connection's answer.
      for (const connection of await connections.list()) {
        if (!connection.store) continue;
        const profile = await (async () =>
          registry.storeFor(connection).getUser(normalized))().catch((error: unknown) => {
          if (error instanceof ExternalStoreUnavailableError) return undefined;
          throw error;
        });
        if (profile?.email === normalized) found.push(...(await linked(connection.id, [profile])));
      }
      return found;
    },
    async findById(id) {
      const row = await own.findById(id);
      if (!row?.externalId) return row;
      return findLinked(row);
    },
    async findByIds(ids) {
      const rows = await own.findByIds(ids);
      return Promise.all(rows.map((row) => (row?.externalId ? findLinked(row) : row)));
    },
    async add(connectionId, user) {
      if (await externalStoreOf(connectionId)) throw new ExternalUsersAreReadOnlyError("add");
      return own.add(connectionId, user);
    },
    async setBlocked(id, blocked) {
      const row = await own.findById(id);
      if (row?.externalId) throw new ExternalUsersAreReadOnlyError("block");
      return own.setBlocked(id, blocked);
    },
    async recentPasswordHashes(id, count) {
      const row = await own.findById(id);
      if (!row?.externalId) return own.recentPasswordHashes(id, count);
      if (count <= 0) return [];
      // The store's hash of the current password, then those Passdesk set (Argon2).
      const current = (await findLinked(row))?.passwordHash;
      const history = await own.recentPasswordHashes(id, count);
      return (current ? [current, ...history] : history).slice(0, count);
    },
    async verifyPassword(user, password) {
      if (!user.externalId) return own.verifyPassword(user, password);
      const external = await externalStoreOf(user.connectionId);
      if (!external) return { ok: false, reason: "no_password" };
      const right = await external.store.verifyPassword(toProfile(user), password);
      // The store's hash is the app's: Passdesk never rewrites it to its own parameters.
      return right ? { ok: true, needsRehash: false } : { ok: false, reason: "wrong_password" };
    },
  };
  return users;
}

/** A user of an external store cannot be created or blocked from Passdesk: the app owns them. */
export class ExternalUsersAreReadOnlyError extends Error {
  constructor(readonly operation: "add" | "block") {
    super(`users of a connection with its own user store cannot be ${operation}ed from Passdesk`);
    this.name = "ExternalUsersAreReadOnlyError";
  }
}

type LinkRow = Pick<User, "id" | "passwordChangedAt" | "createdAt" | "updatedAt">;

function toUser(connectionId: number, profile: ExternalProfile, link: LinkRow): User {
  return {
    id: link.id,
    connectionId,
    email: profile.email,
    emailVerified: profile.emailVerified,
    name: profile.name,
    givenName: profile.givenName,
    familyName: profile.familyName,
    nickname: profile.nickname,
    username: null,
    picture: null,
    userMetadata: {},
    blocked: profile.blocked,
    passwordHash: profile.passwordHash,
    passwordChangedAt: link.passwordChangedAt,
    externalId: profile.externalId,
    createdAt: link.createdAt,
    updatedAt: link.updatedAt,
  };
}

/** The store's view of a user Passdesk looked up (for verify and change calls). */
export function toProfile(user: User): ExternalProfile {
  if (!user.externalId) throw new ExternalStoreUnavailableError("?", "not an external user");
  return {
    externalId: user.externalId,
    email: user.email,
    emailVerified: user.emailVerified,
    name: user.name,
    givenName: user.givenName,
    familyName: user.familyName,
    nickname: user.nickname,
    blocked: user.blocked,
    passwordHash: user.passwordHash,
  };
}
