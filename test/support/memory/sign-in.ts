import {
  BLOCK_LIFETIME_MILLIS,
  type FailureCount,
  type FailureKey,
  type SignInFailureStore,
  type UnblockTicket,
  type UnblockTicketStore,
} from "../../../src/sign-in/ports.ts";
import { ConstraintError, copy, type MemoryDatabase } from "./database.ts";

const sameKey = (a: FailureKey) => (b: FailureKey) =>
  a.connectionId === b.connectionId && a.email === b.email && a.ip === b.ip;

/** SignInFailureStore over an array, with src/db/sign-in-failure-store.ts's semantics. */
export function createMemorySignInFailureStore(database: MemoryDatabase): SignInFailureStore {
  const { tables } = database;
  return {
    async count(keys, maxAttempts, at) {
      const cutoff = at.getTime() - BLOCK_LIFETIME_MILLIS;
      return keys.map((key) => {
        const row = tables.signInFailures.find(sameKey(key));
        const stale =
          row &&
          (row.blockedAt ? row.blockedAt.getTime() < cutoff : row.lastFailureAt.getTime() < cutoff);
        if (!row || stale) {
          const fresh: FailureCount = {
            ...key,
            failures: 1,
            lastFailureAt: at,
            blockedAt: maxAttempts <= 1 ? at : null,
          };
          if (row) Object.assign(row, fresh);
          else tables.signInFailures.push(fresh);
          return copy(fresh);
        }
        row.failures += 1;
        if (at > row.lastFailureAt) row.lastFailureAt = at;
        if (!row.blockedAt && row.failures >= maxAttempts) row.blockedAt = at;
        return copy(row);
      });
    },
    async reset(keys, blockedAt) {
      tables.signInFailures = tables.signInFailures.filter(
        (row) =>
          !keys.some(sameKey(row)) ||
          (row.blockedAt !== null && row.blockedAt.getTime() !== blockedAt?.getTime()),
      );
    },
    async uncount(key, blockedAt) {
      const row = tables.signInFailures.find(sameKey(key));
      if (!row) return;
      row.failures = Math.max(0, row.failures - 1);
      if (row.blockedAt !== null && row.blockedAt.getTime() === blockedAt?.getTime()) {
        row.blockedAt = null;
      }
    },
    async clear(connectionId, email, ip) {
      const cleared = (row: FailureCount) =>
        row.connectionId === connectionId &&
        row.email === email &&
        (ip === undefined || row.ip === ip);
      const blocks = tables.signInFailures.filter((row) => cleared(row) && row.blockedAt).length;
      tables.signInFailures = tables.signInFailures.filter((row) => !cleared(row));
      return blocks;
    },
    async list(connectionId, email) {
      return copy(
        tables.signInFailures
          .filter((row) => row.connectionId === connectionId && row.email === email)
          .sort(
            (a, b) =>
              b.lastFailureAt.getTime() - a.lastFailureAt.getTime() || a.ip.localeCompare(b.ip),
          ),
      );
    },
    async prune(before, limit) {
      const old = tables.signInFailures
        .filter((row) => row.lastFailureAt < before)
        .sort((a, b) => a.lastFailureAt.getTime() - b.lastFailureAt.getTime())
        .slice(0, limit);
      tables.signInFailures = tables.signInFailures.filter((row) => !old.includes(row));
      return old.length;
    },
  };
}

/** UnblockTicketStore over an array, with src/db/unblock-ticket-store.ts's semantics. */
export function createMemoryUnblockTicketStore(database: MemoryDatabase): UnblockTicketStore {
  const { tables } = database;
  const shown = ({ tokenHash: _hash, ...ticket }: UnblockTicket & { tokenHash: string }) =>
    copy(ticket);
  return {
    async issue({ tokenHash, userId, ip, expiresAt }, at) {
      if (!tables.users.some((user) => user.id === userId))
        throw new ConstraintError(`no user ${userId}`);
      if (tables.unblockTickets.some((ticket) => ticket.tokenHash === tokenHash))
        throw new ConstraintError("token hash taken");
      const row = {
        id: database.nextId("unblockTickets"),
        tokenHash,
        userId,
        ip,
        createdAt: at,
        expiresAt,
        usedAt: null,
        revokedAt: null,
      };
      tables.unblockTickets.push(row);
      return shown(row);
    },
    async findByTokenHash(tokenHash) {
      const row = tables.unblockTickets.find((ticket) => ticket.tokenHash === tokenHash);
      return row && shown(row);
    },
    async consume(tokenHash, at) {
      const row = tables.unblockTickets.find((ticket) => ticket.tokenHash === tokenHash);
      if (!row || row.usedAt || row.revokedAt || row.expiresAt <= at) return undefined;
      row.usedAt = at;
      return shown(row);
    },
    async revokeUnusedForUser(userId, at) {
      const unused = tables.unblockTickets.filter(
        (ticket) => ticket.userId === userId && !ticket.usedAt && !ticket.revokedAt,
      );
      for (const ticket of unused) ticket.revokedAt = at;
      return unused.length;
    },
  };
}
