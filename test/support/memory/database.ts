import type { SetPasswordApproval } from "../../../src/approvals/ports.ts";
import type { AuditRecord } from "../../../src/audit/ports.ts";
import type { Client } from "../../../src/clients/ports.ts";
import type { Clock } from "../../../src/clock.ts";
import type { DeliveryEvent } from "../../../src/email/delivery-events.ts";
import type { OutboxEmail, StoredTemplate, TemplateVersion } from "../../../src/email/ports.ts";
import type { ExternalChange } from "../../../src/password-reset/external-change.ts";
import type {
  ResetRequest,
  SecureAccountTicket,
  Ticket,
} from "../../../src/password-reset/ports.ts";
import type { RoleGrant } from "../../../src/roles/ports.ts";
import type {
  Api,
  FailureCount,
  RefreshToken,
  SigningKey,
  UnblockTicket,
} from "../../../src/sign-in/ports.ts";
import type { Connection } from "../../../src/users/connection.ts";
import type { User } from "../../../src/users/user.ts";
import type { WebhookDelivery, WebhookEndpoint } from "../../../src/webhooks/ports.ts";
import type { PasswordRevealRow } from "./password-reveals.ts";

export interface HistoryRow {
  id: number;
  userId: number;
  passwordHash: string;
  createdAt: Date;
}

export interface AuditRow extends AuditRecord {
  slackState: string | null;
  slackNextAttemptAt: Date | null;
  slackChannel: string | null;
  slackTs: string | null;
  chainSeq: number;
  chainHash: string;
}

export interface BucketRow {
  capacity: number;
  perMinute: number;
  tokens: number;
  updatedAt: Date;
}

/** The tables of src/db/schema.ts as plain rows: what a transaction snapshots and restores. */
export interface MemoryTables {
  connections: Connection[];
  clients: Array<Client & { id: number }>;
  users: User[];
  passwordHistory: HistoryRow[];
  resetRequests: ResetRequest[];
  tickets: Ticket[];
  outbox: OutboxEmail[];
  emailEvents: Array<Omit<DeliveryEvent, "ref"> & { id: number; outboxId: number }>;
  templates: Map<string, StoredTemplate & { updatedAt: Date }>;
  templateVersions: Array<TemplateVersion & { name: string }>;
  roleGrants: Array<RoleGrant & { id: number }>;
  audit: AuditRow[];
  rateLimits: Map<string, BucketRow>;
  apis: Api[];
  signingKeys: SigningKey[];
  refreshTokens: Array<RefreshToken & { tokenHash: string }>;
  signInFailures: FailureCount[];
  unblockTickets: Array<UnblockTicket & { tokenHash: string }>;
  secureAccountTickets: Array<SecureAccountTicket & { tokenHash: string }>;
  webhookEndpoints: WebhookEndpoint[];
  webhookDeliveries: WebhookDelivery[];
  passwordReveals: PasswordRevealRow[];
  setPasswordApprovals: SetPasswordApproval[];
  externalChanges: Array<
    ExternalChange & { state: "claimed" | "done" | "released"; finishedAt: Date | null }
  >;
}

export interface MemoryDatabase {
  /** One object for good: a failed transaction restores its fields, which stores read anew. */
  readonly tables: MemoryTables;
  /** What the database's `now()` would be. */
  clock: Clock;
  /** Like a sequence, not rolled back with a failed transaction. */
  nextId(table: keyof MemoryTables): number;
}

/** A unique or foreign-key violation, as PostgreSQL would refuse the write. */
export class ConstraintError extends Error {}

export function createMemoryDatabase(clock: Clock): MemoryDatabase {
  const sequences = new Map<string, number>();
  return {
    clock,
    tables: {
      connections: [],
      clients: [],
      users: [],
      passwordHistory: [],
      resetRequests: [],
      tickets: [],
      outbox: [],
      emailEvents: [],
      templates: new Map(),
      templateVersions: [],
      roleGrants: [],
      audit: [],
      rateLimits: new Map(),
      apis: [],
      signingKeys: [],
      refreshTokens: [],
      signInFailures: [],
      unblockTickets: [],
      secureAccountTickets: [],
      externalChanges: [],
      webhookEndpoints: [],
      webhookDeliveries: [],
      passwordReveals: [],
      setPasswordApprovals: [],
    },
    nextId(table) {
      const id = (sequences.get(table) ?? 0) + 1;
      sequences.set(table, id);
      return id;
    },
  };
}

/** Rows leave the store as copies, as a query's result would: changing one changes nothing. */
export function copy<T>(row: T): T {
  return structuredClone(row);
}

/** One at a time: a transaction holds the lock for its whole work, a single call for itself. */
export interface MemoryLock {
  run<T>(work: () => Promise<T>): Promise<T>;
}

export function createMemoryLock(): MemoryLock {
  let tail: Promise<unknown> = Promise.resolve();
  return {
    run(work) {
      const result = tail.then(work);
      tail = result.catch(() => {});
      return result;
    },
  };
}

/** The same store with every method run under `lock`. */
export function locked<T extends object>(store: T, lock: MemoryLock): T {
  return Object.fromEntries(
    Object.entries(store).map(([name, method]) => [
      name,
      typeof method === "function"
        ? (...args: unknown[]) => lock.run(() => method(...args))
        : method,
    ]),
  ) as T;
}
