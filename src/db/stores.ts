import type { SetPasswordApprovalStore } from "../approvals/ports.ts";
import type { AuditChainStore } from "../audit/chain.ts";
import type { AuditEntry, AuditLog, AuditPostQueue } from "../audit/ports.ts";
import type { AuditStreamCheckpoints } from "../audit/stream.ts";
import type { ClientStore } from "../clients/ports.ts";
import type { EmailEventStore, OutboxStore, TemplateStore } from "../email/ports.ts";
import type { ExternalChangeStore } from "../password-reset/external-change.ts";
import type {
  PasswordRevealStore,
  ResetRequestStore,
  SecureAccountTicketStore,
  TicketStore,
} from "../password-reset/ports.ts";
import { createArgon2Hasher } from "../passwords/argon2-hasher.ts";
import type { PasswordHasher } from "../passwords/hasher.ts";
import type { RateLimitStore } from "../rate-limits/ports.ts";
import type { RoleStore } from "../roles/ports.ts";
import type {
  ApiStore,
  RefreshTokenStore,
  SignInFailureStore,
  SigningKeyStore,
  UnblockTicketStore,
} from "../sign-in/ports.ts";
import { createLinkedUserStore, type ExternalStoreRegistry } from "../users/linked-user-store.ts";
import type { ConnectionStore, UserStore } from "../users/ports.ts";
import type {
  ChangeEventOutbox,
  WebhookDeliveryStore,
  WebhookEndpointStore,
} from "../webhooks/ports.ts";
import { createDrizzleApiStore } from "./api-store.ts";
import { createDrizzleAuditChainStore } from "./audit-chain-store.ts";
import { createDrizzleAuditPostQueue } from "./audit-post-queue.ts";
import { createBufferedAuditLog, createDrizzleAuditLog } from "./audit-store.ts";
import { createDrizzleAuditStreamCheckpoints } from "./audit-stream-store.ts";
import type { DatabaseHandle, Executor } from "./client.ts";
import { createDrizzleClientStore } from "./client-store.ts";
import { createDrizzleConnectionStore } from "./connection-store.ts";
import { createDrizzleEmailEventStore } from "./email-event-store.ts";
import { createDrizzleExternalChangeStore } from "./external-change-store.ts";
import { groupCommit } from "./group-commit.ts";
import { createDrizzleOutboxStore } from "./outbox-store.ts";
import { createDrizzlePasswordRevealStore } from "./password-reveal-store.ts";
import { createDrizzleRateLimitStore } from "./rate-limit-store.ts";
import { drizzleQuery, type RawQuery } from "./raw-query.ts";
import { createDrizzleRefreshTokenStore } from "./refresh-token-store.ts";
import { createDrizzleResetRequestStore } from "./reset-request-store.ts";
import { createDrizzleRoleStore } from "./role-store.ts";
import { createDrizzleSecureAccountTicketStore } from "./secure-account-ticket-store.ts";
import { createDrizzleSetPasswordApprovalStore } from "./set-password-approval-store.ts";
import { createDrizzleSignInFailureStore } from "./sign-in-failure-store.ts";
import { createDrizzleSigningKeyStore } from "./signing-key-store.ts";
import { createDrizzleTemplateStore } from "./template-store.ts";
import { createDrizzleTicketStore } from "./ticket-store.ts";
import { createDrizzleUnblockTicketStore } from "./unblock-ticket-store.ts";
import { createDrizzleUserStore } from "./user-store.ts";
import {
  createDrizzleChangeEventOutbox,
  createDrizzleWebhookDeliveryStore,
  createDrizzleWebhookEndpointStore,
} from "./webhook-store.ts";

/** Every store, bound to one executor (the pool, or one transaction). */
export interface Stores {
  connections: ConnectionStore;
  clients: ClientStore;
  users: UserStore;
  roles: RoleStore;
  audit: AuditLog;
  resetRequests: ResetRequestStore;
  tickets: TicketStore;
  outbox: OutboxStore;
  emailEvents: EmailEventStore;
  templates: TemplateStore;
  rateLimits: RateLimitStore;
  apis: ApiStore;
  signingKeys: SigningKeyStore;
  refreshTokens: RefreshTokenStore;
  signInFailures: SignInFailureStore;
  unblockTickets: UnblockTicketStore;
  secureAccountTickets: SecureAccountTicketStore;
  externalChanges: ExternalChangeStore;
  changeEvents: ChangeEventOutbox;
  webhookEndpoints: WebhookEndpointStore;
  webhookDeliveries: WebhookDeliveryStore;
  passwordReveals: PasswordRevealStore;
  setPasswordApprovals: SetPasswordApprovalStore;
}

export interface Repository extends Stores {
  auditPosts: AuditPostQueue;
  auditChain: AuditChainStore;
  auditStream: AuditStreamCheckpoints;
  /** Runs `work` with stores bound to one transaction: all of it commits, or none. */
  transaction<T>(work: (stores: Stores) => Promise<T>): Promise<T>;
}

export interface RepositoryOptions {
  /** Checks the built-in users' passwords (`UserStore.verifyPassword`); argon2 by default. */
  hasher?: PasswordHasher;
  /** Which audit entries are also posted to the Slack audit channel (none by default). */
  shouldPostAudit?: (entry: AuditEntry) => boolean;
  /** The stores of connections whose users live elsewhere; without it, every user is Passdesk's. */
  externalStores?: ExternalStoreRegistry;
}

/**
 * Stores on `db`; `query` runs their hand-written statements on the same executor (on a
 * transaction it goes through drizzle, whose transaction hides the driver's own client).
 * `audit` differs: on the pool each record is a transaction, in a transaction it waits for
 * the commit (see createBufferedAuditLog).
 */
function createStores(
  db: Executor,
  options: RepositoryOptions & { hasher: PasswordHasher },
  audit: AuditLog,
  query: RawQuery = drizzleQuery(db),
): Stores {
  const connections = createDrizzleConnectionStore(db);
  const users = createDrizzleUserStore(db, options.hasher);
  return {
    connections,
    clients: createDrizzleClientStore(db),
    users: options.externalStores
      ? createLinkedUserStore(users, connections, options.externalStores)
      : users,
    roles: createDrizzleRoleStore(db),
    audit,
    resetRequests: createDrizzleResetRequestStore(db, query),
    tickets: createDrizzleTicketStore(db, query),
    outbox: createDrizzleOutboxStore(db, query),
    emailEvents: createDrizzleEmailEventStore(db),
    templates: createDrizzleTemplateStore(db),
    rateLimits: createDrizzleRateLimitStore(query),
    apis: createDrizzleApiStore(db),
    signingKeys: createDrizzleSigningKeyStore(db),
    refreshTokens: createDrizzleRefreshTokenStore(db),
    signInFailures: createDrizzleSignInFailureStore(query),
    unblockTickets: createDrizzleUnblockTicketStore(db),
    secureAccountTickets: createDrizzleSecureAccountTicketStore(db),
    externalChanges: createDrizzleExternalChangeStore(db),
    changeEvents: createDrizzleChangeEventOutbox(db),
    webhookEndpoints: createDrizzleWebhookEndpointStore(db),
    webhookDeliveries: createDrizzleWebhookDeliveryStore(db),
    passwordReveals: createDrizzlePasswordRevealStore(db),
    setPasswordApprovals: createDrizzleSetPasswordApprovalStore(db),
  };
}

export function createRepository(
  { db, query }: Pick<DatabaseHandle, "db" | "query">,
  repositoryOptions: RepositoryOptions = {},
): Repository {
  const options = {
    ...repositoryOptions,
    hasher: repositoryOptions.hasher ?? createArgon2Hasher(),
  };
  const stores = createStores(
    db,
    options,
    createDrizzleAuditLog(db, options.shouldPostAudit),
    query,
  );
  return {
    ...stores,
    // Concurrent public requests share statements; in a transaction there is no one to share with.
    resetRequests: { ...stores.resetRequests, recordIfAllowed: groupCommit(stores.resetRequests) },
    auditPosts: createDrizzleAuditPostQueue(db),
    auditChain: createDrizzleAuditChainStore(db, options.shouldPostAudit),
    auditStream: createDrizzleAuditStreamCheckpoints(db),
    transaction: (work) =>
      db.transaction(async (tx) => {
        const audit = createBufferedAuditLog(tx, drizzleQuery(tx), options.shouldPostAudit);
        const result = await work(createStores(tx, options, audit));
        await audit.flush();
        return result;
      }),
  };
}
