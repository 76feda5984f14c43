import type { AuditEntry } from "../../../src/audit/ports.ts";
import { type Clock, systemClock } from "../../../src/clock.ts";
import type { Repository, Stores } from "../../../src/db/stores.ts";
import type { PasswordHasher } from "../../../src/passwords/hasher.ts";
import {
  DATABASE_STRATEGY,
  DEFAULT_BRUTE_FORCE,
  DEFAULT_POLICY,
} from "../../../src/users/connection.ts";
import { createPlainHasher } from "../plain-hasher.ts";
import {
  createMemoryAuditChainStore,
  createMemoryAuditLog,
  createMemoryAuditPostQueue,
  createMemoryAuditStreamCheckpoints,
} from "./audit.ts";
import { createMemoryClientStore } from "./clients.ts";
import {
  createMemoryDatabase,
  createMemoryLock,
  locked,
  type MemoryDatabase,
  type MemoryTables,
} from "./database.ts";
import {
  createMemoryEmailEventStore,
  createMemoryOutboxStore,
  createMemoryTemplateStore,
} from "./email.ts";
import { createMemoryExternalChangeStore } from "./external-changes.ts";
import {
  createMemoryApiStore,
  createMemoryRefreshTokenStore,
  createMemorySigningKeyStore,
} from "./oauth.ts";
import {
  createMemoryResetRequestStore,
  createMemorySecureAccountTicketStore,
  createMemoryTicketStore,
} from "./password-reset.ts";
import { createMemoryPasswordRevealStore } from "./password-reveals.ts";
import { createMemoryRateLimitStore } from "./rate-limits.ts";
import { createMemoryRoleStore } from "./roles.ts";
import { createMemorySetPasswordApprovalStore } from "./set-password-approvals.ts";
import { createMemorySignInFailureStore, createMemoryUnblockTicketStore } from "./sign-in.ts";
import { createMemoryConnectionStore, createMemoryUserStore } from "./users.ts";
import {
  createMemoryChangeEventOutbox,
  createMemoryWebhookDeliveryStore,
  createMemoryWebhookEndpointStore,
} from "./webhooks.ts";

/** What the migrations seed (drizzle/0001_seed_default_connection.sql). */
export const DEFAULT_CONNECTION_NAME = "Username-Password-Authentication";

export interface MemoryStoresOptions {
  /** The database's `now()`: creation times, audit times. */
  clock?: Clock;
  shouldPostAudit?: (entry: AuditEntry) => boolean;
  /** Checks passwords for `users.verifyPassword`; the plain test hasher by default. */
  hasher?: PasswordHasher;
}

export interface MemoryRepository extends Repository {
  /** The rows themselves, for assertions a port does not offer. */
  database: MemoryDatabase;
}

/**
 * Every store over maps, as a Repository: domain code runs on it unchanged, with no I/O. One
 * unit of work runs at a time (a transaction holds a lock that every other call waits for), and
 * one that throws leaves nothing behind: the tables are restored from a snapshot taken as it
 * began. Sequences, as in PostgreSQL, are not rolled back.
 */
export function createMemoryStores(options: MemoryStoresOptions = {}): MemoryRepository {
  const database = createMemoryDatabase(options.clock ?? systemClock);
  const lock = createMemoryLock();
  const stores = createStoresOver(database, options);
  database.tables.connections.push({
    id: database.nextId("connections"),
    name: DEFAULT_CONNECTION_NAME,
    strategy: DATABASE_STRATEGY,
    policy: { ...DEFAULT_POLICY },
    bruteForce: structuredClone(DEFAULT_BRUTE_FORCE),
    signup: "closed",
  });
  const lockedStores = Object.fromEntries(
    Object.entries(stores).map(([name, store]) => [name, locked(store, lock)]),
  ) as unknown as Stores;
  return {
    ...lockedStores,
    auditPosts: locked(createMemoryAuditPostQueue(database), lock),
    auditChain: locked(createMemoryAuditChainStore(database), lock),
    auditStream: locked(createMemoryAuditStreamCheckpoints(), lock),
    database,
    transaction: (work) =>
      lock.run(async () => {
        const snapshot: MemoryTables = structuredClone(database.tables);
        try {
          return await work(stores);
        } catch (error) {
          Object.assign(database.tables, snapshot);
          throw error;
        }
      }),
  };
}

function createStoresOver(database: MemoryDatabase, options: MemoryStoresOptions): Stores {
  return {
    connections: createMemoryConnectionStore(database),
    clients: createMemoryClientStore(database),
    users: createMemoryUserStore(database, options.hasher ?? createPlainHasher()),
    roles: createMemoryRoleStore(database),
    audit: createMemoryAuditLog(database, options.shouldPostAudit),
    resetRequests: createMemoryResetRequestStore(database),
    tickets: createMemoryTicketStore(database),
    outbox: createMemoryOutboxStore(database),
    emailEvents: createMemoryEmailEventStore(database),
    templates: createMemoryTemplateStore(database),
    rateLimits: createMemoryRateLimitStore(database),
    apis: createMemoryApiStore(database),
    signingKeys: createMemorySigningKeyStore(database),
    refreshTokens: createMemoryRefreshTokenStore(database),
    signInFailures: createMemorySignInFailureStore(database),
    unblockTickets: createMemoryUnblockTicketStore(database),
    secureAccountTickets: createMemorySecureAccountTicketStore(database),
    externalChanges: createMemoryExternalChangeStore(database),
    changeEvents: createMemoryChangeEventOutbox(database),
    webhookEndpoints: createMemoryWebhookEndpointStore(database),
    webhookDeliveries: createMemoryWebhookDeliveryStore(database),
    passwordReveals: createMemoryPasswordRevealStore(database),
    setPasswordApprovals: createMemorySetPasswordApprovalStore(database),
  };
}
