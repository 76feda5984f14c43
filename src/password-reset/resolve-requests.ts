import type { ActorType, AuditLog } from "../audit/ports.ts";
import type { Clock } from "../clock.ts";
import type { OutboxStore, TemplateStore } from "../email/ports.ts";
import { CHANGE_PASSWORD_TEMPLATE } from "../email/ports.ts";
import type { RateLimitStore } from "../rate-limits/ports.ts";
import type { Transaction } from "../unit-of-work.ts";
import { type Connection, isDatabaseConnection } from "../users/connection.ts";
import { normalizeEmail } from "../users/email.ts";
import type { ConnectionStore, UserStore } from "../users/ports.ts";
import type { User } from "../users/user.ts";
import type { ResetRequest, ResetRequestStore } from "./ports.ts";
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
  | "queued";

/** What deciding a batch of requests reads and writes, all in the claiming transaction. */
export interface ResolvePorts {
  resetRequests: Pick<ResetRequestStore, "claimPending" | "markAllProcessed">;
  connections: Pick<ConnectionStore, "findByName">;
  users: Pick<UserStore, "findByEmails">;
  templates: Pick<TemplateStore, "get">;
  outbox: Pick<OutboxStore, "enqueue">;
  audit: Pick<AuditLog, "recordAll">;
  rateLimits: Pick<RateLimitStore, "take">;
}

export interface ResolveDependencies {
  repo: { transaction: Transaction<ResolvePorts> };
  clock: Clock;
  /** Emails one user may get from public requests; see limitRecipients. */
  recipientLimit: LimitRule;
}

export interface ResolveOptions {
  /** Applied to public API requests only; staff requests have their own per-target limit. */
  recipientLimit?: LimitRule;
}

const ACTOR_TYPES: Record<string, ActorType> = { api: "public", slack: "slack", cli: "cli" };

interface Decision {
  request: ResetRequest;
  outcome: RequestOutcome;
  user: User | undefined;
}

/** Decides one request and, when a user should get an email, puts it in the outbox. */
export async function resolveRequest(
  stores: ResolvePorts,
  request: ResetRequest,
  at: Date,
): Promise<RequestOutcome> {
  const [outcome] = await resolveRequests(stores, [request], at);
  return outcome ?? "unknown_user";
}

/**
 * Decides a batch of requests set-based: one lookup per connection named, one user query per
 * connection, the template once, then one UPDATE and one audit INSERT for the whole batch. Each
 * user to be emailed gets an outbox row. Returns the outcomes in the order of `requests`.
 */
export async function resolveRequests(
  stores: ResolvePorts,
  requests: ResetRequest[],
  at: Date,
  options: ResolveOptions = {},
): Promise<RequestOutcome[]> {
  if (requests.length === 0) return [];
  const decisions = await decide(stores, requests);
  if (options.recipientLimit) await limitRecipients(stores, decisions, options.recipientLimit, at);
  for (const { request, outcome, user } of decisions) {
    if (outcome !== "queued" || !user) continue;
    await stores.outbox.enqueue(
      {
        messageRef: createOpaqueId("msg"),
        kind: "change_password",
        requestId: request.id,
        userId: user.id,
        toAddress: user.email,
      },
      at,
    );
  }
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
  return decisions.map((decision) => decision.outcome);
}

async function decide(stores: ResolvePorts, requests: ResetRequest[]): Promise<Decision[]> {
  const names = [...new Set(requests.map((request) => request.connection))];
  const connections = new Map<string, Connection | undefined>();
  const usersByConnection = new Map<number, Map<string, User>>();
  for (const name of names) {
    const connection = await stores.connections.findByName(name);
    connections.set(name, connection);
    if (!connection || !isDatabaseConnection(connection)) continue;
    const emails = requests.filter((r) => r.connection === name).map((r) => r.email);
    const found = await stores.users.findByEmails(connection.id, emails);
    usersByConnection.set(connection.id, new Map(found.map((user) => [user.email, user])));
  }
  let templateEnabled: boolean | undefined;

  const decisions: Decision[] = [];
  for (const request of requests) {
    const connection = connections.get(request.connection);
    const user = connection
      ? usersByConnection.get(connection.id)?.get(normalizeEmail(request.email))
      : undefined;
    let outcome: RequestOutcome;
    if (!connection) outcome = "connection_not_found";
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
  { repo, clock, recipientLimit }: ResolveDependencies,
  { batchSize = 200, fromId = 0 }: { batchSize?: number; fromId?: number } = {},
): Promise<ResolvedBatch> {
  return repo.transaction(async (stores) => {
    const requests = await stores.resetRequests.claimPending(batchSize, fromId);
    await resolveRequests(stores, requests, clock.now(), { recipientLimit });
    return { count: requests.length, lastId: requests.at(-1)?.id ?? fromId };
  });
}
