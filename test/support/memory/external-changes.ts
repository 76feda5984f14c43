import type { ExternalChangeStore } from "../../../src/password-reset/external-change.ts";
import { copy, type MemoryDatabase } from "./database.ts";

/** ExternalChangeStore over rows, with src/db/external-change-store.ts's guards. */
export function createMemoryExternalChangeStore(database: MemoryDatabase): ExternalChangeStore {
  const { tables } = database;
  const claimed = (id: number) =>
    tables.externalChanges.find((row) => row.id === id && row.state === "claimed");
  return {
    async claim(change, at) {
      if (change.ticketId !== null) {
        const ticket = tables.tickets.find((row) => row.id === change.ticketId);
        const usable =
          ticket &&
          !ticket.usedAt &&
          !ticket.revokedAt &&
          ticket.expiresAt.getTime() > at.getTime();
        const held = tables.externalChanges.some(
          (row) => row.ticketId === change.ticketId && row.state !== "released",
        );
        if (!usable || held) return undefined;
      }
      const row = {
        ...copy(change),
        id: database.nextId("externalChanges"),
        attempts: 0,
        state: "claimed" as const,
        finishedAt: null,
      };
      tables.externalChanges.push(row);
      return copy(row);
    },
    async finish(id, at) {
      const row = claimed(id);
      if (!row) return undefined;
      Object.assign(row, { state: "done", sealedPassword: "", finishedAt: at });
      return copy(row);
    },
    async release(id, at, leaseUntil) {
      const row = claimed(id);
      if (!row || row.leaseUntil.getTime() !== leaseUntil.getTime()) return false;
      Object.assign(row, { state: "released", sealedPassword: "", finishedAt: at });
      return true;
    },
    async takeOverLapsed(at, leaseUntil, limit) {
      const lapsed = tables.externalChanges
        .filter((row) => row.state === "claimed" && row.leaseUntil.getTime() < at.getTime())
        .slice(0, limit);
      for (const row of lapsed) Object.assign(row, { leaseUntil, attempts: row.attempts + 1 });
      return copy(lapsed);
    },
  };
}
