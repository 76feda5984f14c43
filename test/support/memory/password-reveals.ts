import type { PasswordReveal, PasswordRevealStore } from "../../../src/password-reset/ports.ts";
import { ConstraintError, copy, type MemoryDatabase } from "./database.ts";

export type PasswordRevealRow = PasswordReveal & {
  sealedPassword: string | null;
  tokenHash: string | null;
};

/** PasswordRevealStore over an array, with src/db/password-reveal-store.ts's semantics. */
export function createMemoryPasswordRevealStore(database: MemoryDatabase): PasswordRevealStore {
  const { tables } = database;
  const shown = ({ sealedPassword: _sealed, tokenHash: _hash, ...reveal }: PasswordRevealRow) =>
    copy(reveal);
  const isPending = (row: PasswordRevealRow) => !row.revealedAt && !row.expiredAt;
  const byId = (id: number) => tables.passwordReveals.find((row) => row.id === id);
  return {
    async create(reveal, at) {
      if (!tables.users.some((user) => user.id === reveal.userId))
        throw new ConstraintError(`no user ${reveal.userId}`);
      const row: PasswordRevealRow = {
        ...reveal,
        id: database.nextId("passwordReveals"),
        slackChannel: null,
        slackTs: null,
        tokenHash: null,
        createdAt: at,
        revealedAt: null,
        expiredAt: null,
      };
      tables.passwordReveals.push(row);
      return shown(row);
    },
    async findByPublicId(publicId) {
      const row = tables.passwordReveals.find((reveal) => reveal.publicId === publicId);
      return row && shown(row);
    },
    async findByMessageRef(messageRef) {
      const row = tables.passwordReveals.find((reveal) => reveal.messageRef === messageRef);
      return row && shown(row);
    },
    async findByTokenHash(tokenHash) {
      const row = tables.passwordReveals.find((reveal) => reveal.tokenHash === tokenHash);
      return row && shown(row);
    },
    async setTokenHash(id, tokenHash) {
      const row = byId(id);
      if (row) row.tokenHash = tokenHash;
    },
    async setSlackMessage(id, channel, ts) {
      const row = byId(id);
      if (row) Object.assign(row, { slackChannel: channel, slackTs: ts });
    },
    async switchToEmail(id, messageRef) {
      const row = byId(id);
      if (row) Object.assign(row, { channel: "email", messageRef });
    },
    async take(id, at) {
      const row = byId(id);
      if (!row || !isPending(row) || row.expiresAt <= at || !row.sealedPassword) return undefined;
      const sealedPassword = row.sealedPassword;
      Object.assign(row, { revealedAt: at, sealedPassword: null });
      return { reveal: shown(row), sealedPassword };
    },
    async listDue(at, limit) {
      return tables.passwordReveals
        .filter((row) => isPending(row) && row.expiresAt <= at)
        .sort((a, b) => a.expiresAt.getTime() - b.expiresAt.getTime())
        .slice(0, limit)
        .map(shown);
    },
    async close(id, at) {
      const row = byId(id);
      if (!row || !isPending(row)) return undefined;
      Object.assign(row, { expiredAt: at, sealedPassword: null });
      return shown(row);
    },
    async listPending(limit) {
      return tables.passwordReveals
        .filter(isPending)
        .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime())
        .slice(0, limit)
        .map(shown);
    },
  };
}
