import type {
  SetPasswordApproval,
  SetPasswordApprovalStore,
} from "../../../src/approvals/ports.ts";
import { ConstraintError, copy, type MemoryDatabase } from "./database.ts";

/** SetPasswordApprovalStore over an array, with src/db/set-password-approval-store.ts's semantics. */
export function createMemorySetPasswordApprovalStore(
  database: MemoryDatabase,
): SetPasswordApprovalStore {
  const { tables } = database;
  const byId = (id: number) => tables.setPasswordApprovals.find((row) => row.id === id);
  const isPending = (row: SetPasswordApproval) => row.status === "pending";
  return {
    async create(request, at) {
      if (!tables.users.some((user) => user.id === request.userId))
        throw new ConstraintError(`no user ${request.userId}`);
      if (tables.setPasswordApprovals.some((row) => row.publicId === request.publicId))
        throw new ConstraintError(`duplicate public id ${request.publicId}`);
      const row: SetPasswordApproval = {
        ...copy(request),
        id: database.nextId("setPasswordApprovals"),
        status: "pending",
        decidedBy: null,
        decidedAt: null,
        cardChannel: null,
        cardTs: null,
        createdAt: at,
      };
      tables.setPasswordApprovals.push(row);
      return copy(row);
    },
    async findByPublicId(publicId) {
      const row = tables.setPasswordApprovals.find((request) => request.publicId === publicId);
      return row && copy(row);
    },
    async setCard(id, channel, ts) {
      const row = byId(id);
      if (row) Object.assign(row, { cardChannel: channel, cardTs: ts });
    },
    async decide(id, decision, deciderUserId, at) {
      const row = byId(id);
      if (!row || !isPending(row) || row.expiresAt <= at) return undefined;
      if (row.requester.userId === deciderUserId) return undefined;
      Object.assign(row, { status: decision, decidedBy: deciderUserId, decidedAt: at });
      return copy(row);
    },
    async markFailed(id) {
      const row = byId(id);
      if (row?.status !== "approved") return undefined;
      row.status = "failed";
      return copy(row);
    },
    async listDue(at, limit) {
      return tables.setPasswordApprovals
        .filter((row) => isPending(row) && row.expiresAt <= at)
        .sort((a, b) => a.expiresAt.getTime() - b.expiresAt.getTime())
        .slice(0, limit)
        .map(copy);
    },
    async expire(id, at) {
      const row = byId(id);
      if (!row || !isPending(row)) return undefined;
      Object.assign(row, { status: "expired", decidedAt: at });
      return copy(row);
    },
  };
}
