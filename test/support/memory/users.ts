import type { PasswordHasher } from "../../../src/passwords/hasher.ts";
import type { PasswordPolicy } from "../../../src/passwords/policy.ts";
import { checkPasswordHash } from "../../../src/users/check-password.ts";
import {
  type Connection,
  DEFAULT_BRUTE_FORCE,
  DEFAULT_POLICY,
} from "../../../src/users/connection.ts";
import { normalizeEmail } from "../../../src/users/email.ts";
import type { ConnectionStore, ListedUser, UserStore } from "../../../src/users/ports.ts";
import type { User } from "../../../src/users/user.ts";
import { ConstraintError, copy, type MemoryDatabase } from "./database.ts";

/** As src/db/user-store.ts: kept no matter the policy, the largest history a connection may ask. */
const HISTORY_KEPT = 24;

/** UserStore over maps, with src/db/user-store.ts's semantics (history newest first, pruned). */
export function createMemoryUserStore(database: MemoryDatabase, hasher: PasswordHasher): UserStore {
  const { tables, clock } = database;
  const byId = (id: number) => tables.users.find((user) => user.id === id);
  const byIdDescending = <T extends { id: number }>(rows: T[]) =>
    [...rows].sort((a, b) => b.id - a.id);

  function addHistory(userId: number, passwordHash: string, createdAt: Date) {
    tables.passwordHistory.push({
      id: database.nextId("passwordHistory"),
      userId,
      passwordHash,
      createdAt,
    });
  }

  return {
    verifyPassword: (user, password) => checkPasswordHash(hasher, user.passwordHash, password),
    async findByEmail(connectionId, email) {
      const normalized = normalizeEmail(email);
      return copy(
        tables.users.find(
          (user) => user.connectionId === connectionId && user.email === normalized,
        ),
      );
    },
    async findByEmails(connectionId, emails) {
      const wanted = new Set(emails.map(normalizeEmail));
      return copy(
        tables.users.filter((user) => user.connectionId === connectionId && wanted.has(user.email)),
      );
    },
    async findAllByEmail(email) {
      const normalized = normalizeEmail(email);
      return copy(tables.users.filter((user) => user.email === normalized));
    },
    async findById(id) {
      return copy(byId(id));
    },
    async findByIds(ids) {
      return ids.map((id) => copy(byId(id)));
    },
    async add(connectionId, user) {
      if (!tables.connections.some((connection) => connection.id === connectionId))
        throw new ConstraintError(`no connection ${connectionId}`);
      const email = normalizeEmail(user.email);
      if (tables.users.some((row) => row.connectionId === connectionId && row.email === email))
        return undefined;
      const now = clock.now();
      const passwordHash = user.passwordHash ?? null;
      const row: User = {
        id: database.nextId("users"),
        connectionId,
        email,
        emailVerified: user.emailVerified ?? false,
        name: user.name ?? null,
        givenName: user.givenName ?? null,
        familyName: user.familyName ?? null,
        nickname: user.nickname ?? null,
        username: user.username ?? null,
        picture: user.picture ?? null,
        userMetadata: { ...user.userMetadata },
        blocked: user.blocked ?? false,
        passwordHash,
        passwordChangedAt: passwordHash ? now : null,
        createdAt: now,
        updatedAt: now,
      };
      tables.users.push(row);
      if (passwordHash) addHistory(row.id, passwordHash, now);
      return copy(row);
    },
    async setBlocked(id, blocked) {
      const user = byId(id);
      if (!user) return;
      user.blocked = blocked;
      user.updatedAt = clock.now();
    },
    async list({ connectionId, blocked, emailContains }, { afterId, limit }) {
      const part = emailContains?.toLowerCase();
      return tables.users
        .filter(
          (user) =>
            (connectionId === undefined || user.connectionId === connectionId) &&
            (blocked === undefined || user.blocked === blocked) &&
            (part === undefined || user.email.includes(part)) &&
            (afterId === undefined || user.id > afterId),
        )
        .sort((a, b) => a.id - b.id)
        .slice(0, limit)
        .map(
          ({ passwordHash, ...shown }): ListedUser => ({
            ...copy(shown),
            hasPassword: passwordHash !== null,
          }),
        );
    },
    async delete(id) {
      if (!byId(id)) return undefined;
      const now = clock.now().getTime();
      // Counted before the cascade, as the one statement of the Drizzle store reads them.
      const deleted = {
        liveTickets: tables.tickets.filter(
          (ticket) =>
            ticket.userId === id &&
            ticket.usedAt === null &&
            ticket.revokedAt === null &&
            ticket.expiresAt.getTime() > now,
        ).length,
        unsentEmails: tables.outbox.filter(
          (email) =>
            email.userId === id && (email.status === "pending" || email.status === "sending"),
        ).length,
        emails: tables.outbox.filter((email) => email.userId === id).length,
        resetRequests: tables.resetRequests.filter((request) => request.userId === id).length,
      };
      const outboxIds = new Set(
        tables.outbox.filter((email) => email.userId === id).map((email) => email.id),
      );
      tables.users = tables.users.filter((user) => user.id !== id);
      tables.passwordHistory = tables.passwordHistory.filter((row) => row.userId !== id);
      tables.tickets = tables.tickets.filter((ticket) => ticket.userId !== id);
      tables.unblockTickets = tables.unblockTickets.filter((ticket) => ticket.userId !== id);
      tables.secureAccountTickets = tables.secureAccountTickets.filter(
        (ticket) => ticket.userId !== id,
      );
      tables.outbox = tables.outbox.filter((email) => email.userId !== id);
      tables.emailEvents = tables.emailEvents.filter((event) => !outboxIds.has(event.outboxId));
      for (const request of tables.resetRequests) if (request.userId === id) request.userId = null;
      return deleted;
    },
    async recentPasswordHashes(id, count) {
      if (count <= 0) return [];
      return byIdDescending(tables.passwordHistory.filter((row) => row.userId === id))
        .slice(0, count)
        .map((row) => row.passwordHash);
    },
    async replacePasswordHash(id, previousHash, newHash) {
      const user = byId(id);
      if (user?.passwordHash !== previousHash) return false;
      user.passwordHash = newHash;
      return true;
    },
    async setPasswordHash(id, hash, changedAt) {
      const user = byId(id);
      if (user) {
        user.passwordHash = hash;
        user.passwordChangedAt = changedAt;
        user.updatedAt = changedAt;
      }
      // As the Drizzle store's one statement: the prune keeps the HISTORY_KEPT - 1 newest earlier
      // hashes (it does not see the one just added), and that one makes HISTORY_KEPT.
      const kept = new Set(
        byIdDescending(tables.passwordHistory.filter((row) => row.userId === id))
          .slice(0, HISTORY_KEPT - 1)
          .map((row) => row.id),
      );
      tables.passwordHistory = tables.passwordHistory.filter(
        (row) => row.userId !== id || kept.has(row.id),
      );
      if (user) addHistory(id, hash, changedAt);
    },
  };
}

/** ConnectionStore over maps, with src/db/connection-store.ts's semantics. */
export function createMemoryConnectionStore(database: MemoryDatabase): ConnectionStore {
  const { tables } = database;
  return {
    async findByName(name) {
      return copy(tables.connections.find((connection) => connection.name === name));
    },
    async findById(id) {
      return copy(tables.connections.find((connection) => connection.id === id));
    },
    async list() {
      return copy([...tables.connections].sort((a, b) => a.id - b.id));
    },
    async add({ name, strategy, policy, bruteForce, signup, store }) {
      if (tables.connections.some((connection) => connection.name === name)) return undefined;
      const row: Connection = {
        id: database.nextId("connections"),
        name,
        strategy,
        policy: { ...DEFAULT_POLICY, ...definedFields(policy ?? {}) },
        bruteForce: structuredClone({ ...DEFAULT_BRUTE_FORCE, ...bruteForce }),
        signup: signup ?? "closed",
        ...(store !== undefined && { store: structuredClone(store) }),
      };
      tables.connections.push(row);
      return copy(row);
    },
    async updatePolicy(name, policy) {
      const connection = tables.connections.find((row) => row.name === name);
      if (!connection) return undefined;
      connection.policy = { ...connection.policy, ...definedFields(policy) };
      return copy(connection);
    },
    async setStore(name, store) {
      const connection = tables.connections.find((row) => row.name === name);
      if (!connection) return undefined;
      connection.store = structuredClone(store);
      return copy(connection);
    },
    async setSetPasswordApproval(name, setting) {
      const connection = tables.connections.find((row) => row.name === name);
      if (!connection) return undefined;
      if (setting === null) delete connection.setPasswordApproval;
      else connection.setPasswordApproval = setting;
      return copy(connection);
    },
    async setSignup(name, signup) {
      const connection = tables.connections.find((row) => row.name === name);
      if (!connection) return undefined;
      connection.signup = signup;
      return copy(connection);
    },
    async updateBruteForce(name, settings) {
      const connection = tables.connections.find((row) => row.name === name);
      if (!connection) return undefined;
      const given = Object.fromEntries(
        Object.entries(settings).filter(([, value]) => value !== undefined),
      );
      connection.bruteForce = { ...connection.bruteForce, ...structuredClone(given) };
      return copy(connection);
    },
  };
}

/** An undefined field is left out of the statement: the column keeps its value (or default). */
function definedFields(policy: Partial<PasswordPolicy>): Partial<PasswordPolicy> {
  return Object.fromEntries(Object.entries(policy).filter(([, value]) => value !== undefined));
}
