import type {
  NewTicket,
  RecordEntry,
  RecordOutcome,
  ResetRequest,
  ResetRequestStore,
  SecureAccountTicket,
  SecureAccountTicketStore,
  Ticket,
  TicketStore,
} from "../../../src/password-reset/ports.ts";
import { ConstraintError, copy, type MemoryDatabase } from "./database.ts";
import { takeTokens } from "./rate-limits.ts";

/** ResetRequestStore over maps, with src/db/reset-request-store.ts's semantics. */
export function createMemoryResetRequestStore(database: MemoryDatabase): ResetRequestStore {
  const { tables } = database;

  function insert(request: RecordEntry["request"], createdAt: Date): ResetRequest {
    if (tables.resetRequests.some((row) => row.publicId === request.publicId))
      throw new ConstraintError(`duplicate public id ${request.publicId}`);
    const row: ResetRequest = {
      ...copy(request),
      id: database.nextId("resetRequests"),
      status: "pending",
      userId: null,
      createdAt,
      processedAt: null,
    };
    tables.resetRequests.push(row);
    return row;
  }

  /** Every entry's buckets are taken, refused or not; a request is recorded if all allowed it. */
  async function recordAllIfAllowed(entries: RecordEntry[], at: Date): Promise<RecordOutcome[]> {
    const states = takeTokens(
      database,
      entries.flatMap((entry) => entry.buckets),
      at,
    );
    let next = 0;
    return entries.map(({ request, buckets }) => {
      const own = states.slice(next, next + buckets.length);
      next += buckets.length;
      const recorded = own.every((state) => state.allowed);
      if (recorded) insert(request, at);
      return { buckets: own, recorded };
    });
  }

  return {
    async record(request) {
      return copy(insert(request, database.clock.now()));
    },
    async recordIfAllowed(request, buckets, at) {
      const [outcome] = await recordAllIfAllowed([{ request, buckets }], at);
      if (!outcome) throw new Error("no outcome for the request");
      return outcome;
    },
    recordAllIfAllowed,
    async findById(id) {
      return copy(tables.resetRequests.find((row) => row.id === id));
    },
    async findByIds(ids) {
      return ids.map((id) => copy(tables.resetRequests.find((row) => row.id === id)));
    },
    async findByPublicId(publicId) {
      return copy(tables.resetRequests.find((row) => row.publicId === publicId));
    },
    // No row locks: memory transactions run one at a time (see createMemoryStores).
    async claimPending(limit, fromId = 0) {
      return copy(
        tables.resetRequests
          .filter((row) => row.status === "pending" && row.id >= fromId)
          .sort((a, b) => a.id - b.id)
          .slice(0, limit),
      );
    },
    async markAllProcessed(outcomes, at) {
      for (const { id, status, userId } of outcomes) {
        const row = tables.resetRequests.find((request) => request.id === id);
        if (!row) continue;
        row.status = status;
        row.userId = userId;
        row.processedAt = at;
      }
    },
    async listRecentBySlackUser(slackUserId, limit) {
      return tables.resetRequests
        .filter((row) => row.source === "slack" && row.requestedBy?.userId === slackUserId)
        .sort((a, b) => b.id - a.id)
        .flatMap((row) => {
          const emails = tables.outbox.filter((email) => email.requestId === row.id);
          const joined = emails.length > 0 ? emails : [undefined];
          return joined.map((email) => ({
            publicId: row.publicId,
            email: row.email,
            connection: row.connection,
            status: row.status,
            createdAt: copy(row.createdAt),
            emailStatus: email?.status ?? null,
            deliveryStatus: email?.deliveryStatus ?? null,
          }));
        })
        .slice(0, limit);
    },
  };
}

/** TicketStore over maps, with src/db/ticket-store.ts's guarded updates. */
export function createMemoryTicketStore(database: MemoryDatabase): TicketStore {
  const { tables } = database;
  const isUnused = (ticket: Ticket) => ticket.usedAt === null && ticket.revokedAt === null;
  /** The guard of consume and recordRejectedSubmission: unused, unrevoked, unexpired at `at`. */
  const usable = (tokenHash: string, at: Date) =>
    tables.tickets.find(
      (ticket) =>
        ticket.tokenHash === tokenHash &&
        isUnused(ticket) &&
        ticket.expiresAt.getTime() > at.getTime(),
    );

  /** As one statement: every check before any change. */
  function issueAll(issued: NewTicket[], at: Date): Ticket[] {
    for (const ticket of issued) {
      if (!tables.users.some((user) => user.id === ticket.userId))
        throw new ConstraintError(`no user ${ticket.userId}`);
      if (tables.tickets.some((row) => row.tokenHash === ticket.tokenHash))
        throw new ConstraintError("duplicate token hash");
    }
    if (new Set(issued.map((ticket) => ticket.tokenHash)).size < issued.length)
      throw new ConstraintError("duplicate token hash");
    if (new Set(issued.map((ticket) => ticket.userId)).size < issued.length)
      throw new Error("a user may have one ticket per statement");
    const users = new Set(issued.map((ticket) => ticket.userId));
    for (const row of tables.tickets)
      if (users.has(row.userId) && isUnused(row)) row.revokedAt = at;
    return issued.map((ticket) => {
      const row: Ticket = {
        ...copy(ticket),
        id: database.nextId("tickets"),
        createdAt: at,
        usedAt: null,
        revokedAt: null,
        rejectedSubmissions: 0,
      };
      tables.tickets.push(row);
      return copy(row);
    });
  }

  return {
    async issue(ticket, at) {
      return issueAll([ticket], at)[0] as Ticket;
    },
    async issueAll(issued, at) {
      return issueAll(issued, at);
    },
    async findByTokenHash(tokenHash) {
      return copy(tables.tickets.find((ticket) => ticket.tokenHash === tokenHash));
    },
    async consume(tokenHash, at) {
      const ticket = usable(tokenHash, at);
      if (!ticket) return undefined;
      ticket.usedAt = at;
      return copy(ticket);
    },
    async recordRejectedSubmission(tokenHash, at, budget) {
      const ticket = usable(tokenHash, at);
      if (!ticket) return undefined;
      ticket.rejectedSubmissions += 1;
      if (ticket.rejectedSubmissions >= budget) ticket.revokedAt = at;
      return {
        rejectedSubmissions: ticket.rejectedSubmissions,
        revoked: ticket.revokedAt !== null,
      };
    },
    async revoke(id, at) {
      const ticket = tables.tickets.find((row) => row.id === id);
      if (ticket && ticket.revokedAt === null) ticket.revokedAt = at;
    },
    async markUsed(id, at) {
      const ticket = tables.tickets.find((row) => row.id === id);
      if (ticket && ticket.usedAt === null) ticket.usedAt = at;
    },
    async revokeUnusedForUser(userId, at) {
      for (const ticket of tables.tickets)
        if (ticket.userId === userId && isUnused(ticket)) ticket.revokedAt = at;
    },
  };
}

/** SecureAccountTicketStore over an array, with src/db/secure-account-ticket-store.ts's semantics. */
export function createMemorySecureAccountTicketStore(
  database: MemoryDatabase,
): SecureAccountTicketStore {
  const { tables } = database;
  const shown = ({ tokenHash: _hash, ...ticket }: SecureAccountTicket & { tokenHash: string }) =>
    copy(ticket);
  const isUnused = (ticket: SecureAccountTicket) => !ticket.usedAt && !ticket.revokedAt;
  return {
    async issue({ tokenHash, userId, expiresAt }, at) {
      if (!tables.users.some((user) => user.id === userId))
        throw new ConstraintError(`no user ${userId}`);
      if (tables.secureAccountTickets.some((ticket) => ticket.tokenHash === tokenHash))
        throw new ConstraintError("token hash taken");
      const row = {
        id: database.nextId("secureAccountTickets"),
        tokenHash,
        userId,
        createdAt: at,
        expiresAt,
        usedAt: null,
        revokedAt: null,
      };
      tables.secureAccountTickets.push(row);
      return shown(row);
    },
    async findByTokenHash(tokenHash) {
      const row = tables.secureAccountTickets.find((ticket) => ticket.tokenHash === tokenHash);
      return row && shown(row);
    },
    async consume(tokenHash, at) {
      const row = tables.secureAccountTickets.find((ticket) => ticket.tokenHash === tokenHash);
      if (!row || !isUnused(row) || row.expiresAt <= at) return undefined;
      row.usedAt = at;
      return shown(row);
    },
    async revoke(id, at) {
      const row = tables.secureAccountTickets.find((ticket) => ticket.id === id);
      if (row && isUnused(row)) row.revokedAt = at;
    },
    async revokeUnusedForUser(userId, at) {
      const unused = tables.secureAccountTickets.filter(
        (ticket) => ticket.userId === userId && isUnused(ticket),
      );
      for (const ticket of unused) ticket.revokedAt = at;
      return unused.length;
    },
  };
}
