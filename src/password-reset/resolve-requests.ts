import type { ActorType, AuditLog } from "../audit/ports.ts";
import type { Clock } from "../clock.ts";
import type { OutboxStore, TemplateStore } from "../email/ports.ts";
import { CHANGE_PASSWORD_TEMPLATE } from "../email/ports.ts";
import type { Logger } from "../logger.ts";
import type { RateLimitStore } from "../rate-limits/ports.ts";
import type { Transaction } from "../unit-of-work.ts";
import { type Connection, isDatabaseConnection } from "../users/connection.ts";
import { normalizeEmail } from "../users/email.ts";
import { ExternalStoreUnavailableError } from "../users/external-store.ts";
import type { ConnectionStore, UserStore } from "../users/ports.ts";
import type { User } from "../users/user.ts";
import type { PendingRequest, ResetRequestStore } from "./ports.ts";
import { type LimitRule, recipientBucket } from "./rate-limit.ts";
import { createOpaqueId } from "./tokens.ts";

/** Why a request did or did not lead to an email; all but `queued` send nothing. */
export type RequestOutcome =
  | "unknown_user"
  | "blocked"
  | "not_database_connection"
  | "connection_not_found"
  | "template_disabled"
  | "recipient_limited"
  | "queued"
  /** Left pending: the connection's external store could not be asked; a later pass will. */
  | "deferred";

/** What deciding a batch of requests reads and writes, all in the claiming transaction. */
export interface ResolvePorts {
  resetRequests: Pick<ResetRequestStore, "claimPending" | "markAllProcessed">;
  connections: Pick<ConnectionStore, "findByName">;
  users: Pick<UserStore, "findByEmails">;
  templates: Pick<TemplateStore, "get">;
  outbox: Pick<OutboxStore, "enqueueAll">;
  audit: Pick<AuditLog, "recordAll">;
  rateLimits: Pick<RateLimitStore, "take">;
}

/** What the worker reads outside the claiming transaction: external stores' users. */
export interface PrefetchPorts {
  connections: Pick<ConnectionStore, "list">;
  resetRequests: Pick<ResetRequestStore, "claimPending">;
  users: Pick<UserStore, "findByEmails">;
}

export interface ResolveDependencies {
  repo: { transaction: Transaction<ResolvePorts> } & Partial<PrefetchPorts>;
  clock: Clock;
  /** Emails one user may get from public requests; see limitRecipients. */
  recipientLimit: LimitRule;
  logger?: Logger;
  /** Until when (ms) each unavailable external store is left alone; kept by the worker. */
  cooldown?: Map<string, number>;
}

export interface ResolveOptions {
  /** Applied to public API requests only; staff requests have their own per-target limit. */
  recipientLimit?: LimitRule;
  /** Users of external stores, looked up before the transaction (see prefetchExternalUsers). */
  prefetched?: PrefetchedUsers;
}

/** By connection name: the emails asked of its external store, and the users it returned. */
export type PrefetchedUsers = Map<string, { asked: Set<string>; found: Map<string, User> }>;

const ACTOR_TYPES: Record<string, ActorType> = { api: "public", slack: "slack", cli: "cli" };

interface Decision {
  request: PendingRequest;
  outcome: RequestOutcome;
  user: User | undefined;
}

/** Decides one request and, when a user should get an email, puts it in the outbox. */
export async function resolveRequest(
  stores: ResolvePorts,
  request: PendingRequest,
  at: Date,
  prefetched?: PrefetchedUsers,
): Promise<RequestOutcome> {
  const [outcome] = await resolveRequests(stores, [request], at, { prefetched });
  return outcome ?? "unknown_user";
}

/**
 * Decides a batch of requests set-based: one lookup per connection named, one user query per
 * connection, the template once, then one UPDATE and one audit INSERT for the whole batch. Each
 * user to be emailed gets an outbox row. Returns the outcomes in the order of `requests`.
 */
export async function resolveRequests(
  stores: ResolvePorts,
  requests: PendingRequest[],
  at: Date,
  options: ResolveOptions = {},
): Promise<RequestOutcome[]> {
  if (requests.length === 0) return [];
  const all = await decide(stores, requests, options.prefetched);
  // A deferred request stays pending, unaudited: a later pass decides it.
  const decisions = all.filter((decision) => decision.outcome !== "deferred");
  if (options.recipientLimit) await limitRecipients(stores, decisions, options.recipientLimit, at);
  await stores.outbox.enqueueAll(
    decisions.flatMap(({ request, outcome, user }) =>
      outcome === "queued" && user
        ? [
            {
              messageRef: createOpaqueId("msg"),
              kind: "change_password" as const,
              requestId: request.id,
              userId: user.id,
              toAddress: user.email,
            },
          ]
        : [],
    ),
    at,
  );
  await stores.resetRequests.markAllProcessed(
    decisions.map(({ request, outcome, user }) => ({
      id: request.id,
      status: outcome,
      userId: user?.id ?? null,
    })),
    at,
  );
  await stores.audit.recordAll(
    decisions.map(({ request, outcome }) => ({
      actorType: ACTOR_TYPES[request.source] ?? "system",
      actorId: request.requestedBy?.userId ?? request.clientIp,
      action: "password_reset.requested",
      outcome,
      targetEmail: request.email,
      connection: request.connection,
      requestId: request.publicId,
      details: request.clientId ? { clientId: request.clientId } : {},
    })),
  );
  return all.map((decision) => decision.outcome);
}

async function decide(
  stores: ResolvePorts,
  requests: PendingRequest[],
  prefetched: PrefetchedUsers = new Map(),
): Promise<Decision[]> {
  const names = [...new Set(requests.map((request) => request.connection))];
  const connections = new Map<string, Connection | undefined>();
  const usersByConnection = new Map<number, Map<string, User>>();
  for (const name of names) {
    const connection = await stores.connections.findByName(name);
    connections.set(name, connection);
    // An external store is never asked inside the transaction (it would hold its locks, and
    // PGlite's only connection, for as long as the store takes): only what was prefetched counts.
    if (!connection || !isDatabaseConnection(connection) || connection.store) continue;
    const emails = requests.filter((r) => r.connection === name).map((r) => r.email);
    const found = await stores.users.findByEmails(connection.id, emails);
    usersByConnection.set(connection.id, new Map(found.map((user) => [user.email, user])));
  }
  let templateEnabled: boolean | undefined;

  const decisions: Decision[] = [];
  for (const request of requests) {
    const connection = connections.get(request.connection);
    const email = normalizeEmail(request.email);
    const external = connection?.store ? prefetched.get(connection.name) : undefined;
    const user = connection?.store
      ? external?.found.get(email)
      : connection
        ? usersByConnection.get(connection.id)?.get(email)
        : undefined;
    let outcome: RequestOutcome;
    if (!connection) outcome = "connection_not_found";
    else if (connection.store && isDatabaseConnection(connection) && !external?.asked.has(email))
      outcome = "deferred";
    else if (!isDatabaseConnection(connection)) outcome = "not_database_connection";
    else if (!user) outcome = "unknown_user";
    else if (user.blocked) outcome = "blocked";
    else {
      templateEnabled ??= (await stores.templates.get(CHANGE_PASSWORD_TEMPLATE)).enabled;
      outcome = templateEnabled ? "queued" : "template_disabled";
    }
    decisions.push({ request, outcome, user });
  }
  return decisions;
}

/**
 * Anyone can ask the public endpoint for a user's reset email from many IPs, so the per-IP limits
 * alone let a stranger mail-bomb a user and, as each email revokes the link before it, keep the
 * user from ever using one. So each user has a bucket of emails from public requests. A request
 * over it is `recipient_limited`: silently (the HTTP answer was given long before, and is the
 * same for every address), audited, and without an email or ticket, so the user's outstanding
 * link keeps working. The bucket's row lock is held until the batch commits, so every instance
 * counts alike.
 */
async function limitRecipients(
  stores: Pick<ResolvePorts, "rateLimits">,
  decisions: Decision[],
  limit: LimitRule,
  at: Date,
): Promise<void> {
  // A statement takes each bucket once: a user asked for twice in one batch takes a second
  // round (rare; the next batch usually holds the next request).
  let pending = decisions.filter(
    (decision) => decision.outcome === "queued" && decision.request.source === "api",
  );
  while (pending.length > 0) {
    const round = new Map<number, Decision>();
    const later: Decision[] = [];
    for (const decision of pending) {
      const userId = decision.user?.id;
      if (userId === undefined) continue;
      if (round.has(userId)) later.push(decision);
      else round.set(userId, decision);
    }
    const states = await stores.rateLimits.take(
      [...round.keys()].map((userId) => recipientBucket(limit, userId)),
      at,
    );
    [...round.values()].forEach((decision, i) => {
      if (states[i]?.allowed === false) decision.outcome = "recipient_limited";
    });
    pending = later;
  }
}

export interface ResolvedBatch {
  /** Requests resolved; 0 when none was pending from `fromId` on. */
  count: number;
  /** The highest id resolved (when count > 0). */
  lastId: number;
}

/**
 * Resolves up to `batchSize` recorded requests, oldest first from `fromId`, in one transaction.
 * Rows are claimed with FOR UPDATE SKIP LOCKED, so any number of instances can run this at once.
 */
export async function resolvePendingRequests(
  { repo, clock, recipientLimit, logger, cooldown }: ResolveDependencies,
  { batchSize = 1000, fromId = 0 }: { batchSize?: number; fromId?: number } = {},
): Promise<ResolvedBatch> {
  const prefetched = await prefetchExternalUsers(repo, { batchSize, fromId }, clock, {
    logger,
    cooldown,
  });
  return repo.transaction(async (stores) => {
    const requests = await stores.resetRequests.claimPending(batchSize, fromId);
    await resolveRequests(stores, requests, clock.now(), { recipientLimit, prefetched });
    return { count: requests.length, lastId: requests.at(-1)?.id ?? fromId };
  });
}

/** How long the worker leaves an unavailable external store alone before asking it again. */
export const STORE_COOLDOWN_MILLIS = 30_000;

/**
 * Looks up, outside any transaction, the users of the pending requests (the batch the
 * transaction is about to claim) whose connection has an external store. A store that cannot
 * be asked is left alone for STORE_COOLDOWN_MILLIS: its requests stay pending (`deferred`) and
 * the rest of the batch goes on. Costs one query when no connection has a store.
 */
async function prefetchExternalUsers(
  repo: Partial<PrefetchPorts>,
  batch: { batchSize: number; fromId: number },
  clock: Clock,
  options: { logger?: Logger; cooldown?: Map<string, number> },
): Promise<PrefetchedUsers> {
  const prefetched: PrefetchedUsers = new Map();
  if (!repo.connections || !repo.resetRequests || !repo.users) return prefetched;
  const external = (await repo.connections.list()).filter(
    (connection) => connection.store && isDatabaseConnection(connection),
  );
  if (external.length === 0) return prefetched;
  const pending = await repo.resetRequests.claimPending(batch.batchSize, batch.fromId);
  const now = clock.now().getTime();
  for (const connection of external) {
    const asked = new Set(
      pending.filter((r) => r.connection === connection.name).map((r) => normalizeEmail(r.email)),
    );
    if (asked.size === 0 || (options.cooldown?.get(connection.name) ?? 0) > now) continue;
    try {
      const found = await repo.users.findByEmails(connection.id, [...asked]);
      prefetched.set(connection.name, {
        asked,
        found: new Map(found.map((user) => [user.email, user])),
      });
    } catch (error) {
      if (!(error instanceof ExternalStoreUnavailableError)) throw error;
      options.cooldown?.set(connection.name, now + STORE_COOLDOWN_MILLIS);
      options.logger?.warn(
        { connection: connection.name, why: error.why, requests: asked.size },
        "reset requests wait for their user store",
      );
    }
  }
  return prefetched;
}
