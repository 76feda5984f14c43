import { and, asc, desc, eq, getTableColumns, gt, sql } from "drizzle-orm";
import type { PasswordHasher } from "../passwords/hasher.ts";
import { checkPasswordHash } from "../users/check-password.ts";
import { normalizeEmail } from "../users/email.ts";
import type { DeletedUser, UserLinkStore, UserStore } from "../users/ports.ts";
import type { Executor } from "./client.ts";
import { prepareOnce } from "./prepare-once.ts";
import { jsonParameter } from "./raw-query.ts";
import { rowsOf } from "./rows.ts";
import { emailOutbox, passwordHistory, resetRequests, tickets, users } from "./schema.ts";

/** Kept no matter the policy: the largest history size a connection may ask for. */
const HISTORY_KEPT = 24;

export function createDrizzleUserStore(
  db: Executor,
  hasher: PasswordHasher,
): UserStore & UserLinkStore {
  // Built once per store (see prepareOnce): the worker reads a user for every email it sends,
  // the reset page for every submit.
  const findById = prepareOnce(() =>
    db
      .select()
      .from(users)
      .where(eq(users.id, sql.placeholder("id")))
      .prepare("users_find_by_id"),
  );
  // Read for every password set through a reset link while the connection keeps a history.
  const recentPasswordHashes = prepareOnce(() =>
    db
      .select({ hash: passwordHistory.passwordHash })
      .from(passwordHistory)
      .where(eq(passwordHistory.userId, sql.placeholder("id")))
      .orderBy(desc(passwordHistory.id))
      .limit(sql.placeholder("count"))
      .prepare("password_history_recent"),
  );
  return {
    verifyPassword: (user, password) => checkPasswordHash(hasher, user.passwordHash, password),
    async findByEmail(connectionId, email) {
      const [row] = await db
        .select()
        .from(users)
        .where(and(eq(users.connectionId, connectionId), eq(users.email, normalizeEmail(email))));
      return row;
    },
    async findByEmails(connectionId, emails) {
      if (emails.length === 0) return [];
      return db
        .select()
        .from(users)
        .where(
          and(
            eq(users.connectionId, connectionId),
            // One JSON parameter however many emails (drizzle builds one per element otherwise).
            sql`${users.email} in (select jsonb_array_elements_text(${jsonParameter([...new Set(emails.map(normalizeEmail))])}::jsonb))`,
          ),
        );
    },
    findAllByEmail(email) {
      return db
        .select()
        .from(users)
        .where(eq(users.email, normalizeEmail(email)));
    },
    async findById(id) {
      const [row] = await findById().execute({ id });
      return row;
    },
    async findByIds(ids) {
      if (ids.length === 0) return [];
      const rows = await db
        .select()
        .from(users)
        .where(
          sql`${users.id} = any(array(select jsonb_array_elements_text(${jsonParameter(ids)}::jsonb)::bigint))`,
        );
      const byId = new Map(rows.map((row) => [row.id, row]));
      return ids.map((id) => byId.get(id));
    },
    async add(connectionId, user) {
      const [row] = await db
        .insert(users)
        .values({
          ...user,
          connectionId,
          email: normalizeEmail(user.email),
          passwordChangedAt: user.passwordHash ? sql`now()` : null,
        })
        .onConflictDoNothing()
        .returning();
      if (row?.passwordHash) {
        await db.insert(passwordHistory).values({ userId: row.id, passwordHash: row.passwordHash });
      }
      return row;
    },
    async link(connectionId, linked) {
      if (linked.length === 0) return [];
      const rows = await db
        .insert(users)
        .values(linked.map(({ externalId, email }) => ({ connectionId, externalId, email })))
        .onConflictDoUpdate({
          target: [users.connectionId, users.externalId],
          targetWhere: sql`external_id is not null`,
          set: { email: sql`excluded.email`, updatedAt: sql`now()` },
        })
        .returning({
          id: users.id,
          externalId: users.externalId,
          passwordChangedAt: users.passwordChangedAt,
          createdAt: users.createdAt,
          updatedAt: users.updatedAt,
        });
      const byExternalId = new Map(rows.map((row) => [row.externalId, row]));
      return linked.map(({ externalId }) => {
        const row = byExternalId.get(externalId);
        if (!row) throw new Error(`link row for ${externalId} was not returned`);
        return row;
      });
    },
    async setBlocked(id, blocked) {
      await db.update(users).set({ blocked, updatedAt: sql`now()` }).where(eq(users.id, id));
    },
    async list({ connectionId, blocked, emailContains }, { afterId, limit }) {
      const { passwordHash, ...shown } = getTableColumns(users);
      return db
        .select({ ...shown, hasPassword: sql<boolean>`${passwordHash} is not null` })
        .from(users)
        .where(
          and(
            connectionId === undefined ? undefined : eq(users.connectionId, connectionId),
            blocked === undefined ? undefined : eq(users.blocked, blocked),
            // position(), not LIKE: the text is matched as typed, % and _ included.
            emailContains === undefined
              ? undefined
              : sql`position(${emailContains.toLowerCase()} in ${users.email}) > 0`,
            afterId === undefined ? undefined : gt(users.id, afterId),
          ),
        )
        .orderBy(asc(users.id))
        .limit(limit);
    },
    async delete(id) {
      // One statement: the counts read the rows as they were before the delete cascaded.
      const rows = rowsOf<Record<keyof DeletedUser | "deleted", string | number>>(
        await db.execute(sql`
          with deleted as (delete from ${users} where ${users.id} = ${id} returning ${users.id})
          select
            (select count(*) from deleted) as deleted,
            (select count(*) from ${tickets} where ${tickets.userId} = ${id}
              and ${tickets.usedAt} is null and ${tickets.revokedAt} is null
              and ${tickets.expiresAt} > now()) as "liveTickets",
            (select count(*) from ${emailOutbox} where ${emailOutbox.userId} = ${id}
              and ${emailOutbox.status} in ('pending', 'sending')) as "unsentEmails",
            (select count(*) from ${emailOutbox} where ${emailOutbox.userId} = ${id}) as emails,
            (select count(*) from ${resetRequests} where ${resetRequests.userId} = ${id})
              as "resetRequests"`),
      );
      const [row] = rows;
      if (!row || Number(row.deleted) === 0) return undefined;
      return {
        liveTickets: Number(row.liveTickets),
        unsentEmails: Number(row.unsentEmails),
        emails: Number(row.emails),
        resetRequests: Number(row.resetRequests),
      };
    },
    async recentPasswordHashes(id, count) {
      if (count <= 0) return [];
      const rows = await recentPasswordHashes().execute({ id, count });
      return rows.map((row) => row.hash);
    },
    async replacePasswordHash(id, previousHash, newHash) {
      const rows = await db
        .update(users)
        .set({ passwordHash: newHash })
        .where(and(eq(users.id, id), eq(users.passwordHash, previousHash)))
        .returning({ id: users.id });
      return rows.length === 1;
    },
    async setPasswordHash(id, hash, changedAt) {
      // One statement. Its parts share a snapshot: the prune does not see the row just added,
      // so it keeps the HISTORY_KEPT - 1 newest earlier ones, and that row makes HISTORY_KEPT.
      const at = changedAt.toISOString();
      await db.execute(sql`
        with updated as (
          update ${users}
          -- A link row keeps no hash: the external store holds the password.
          set password_hash = case when ${users.externalId} is null then ${hash} end,
            password_changed_at = ${at}::timestamptz,
            updated_at = ${at}::timestamptz
          where ${users.id} = ${id}
          returning ${users.id}
        ),
        added as (
          insert into ${passwordHistory} (user_id, password_hash, created_at)
          select id, ${hash}, ${at}::timestamptz from updated
        )
        delete from ${passwordHistory}
        where ${passwordHistory.userId} = ${id}
          and ${passwordHistory.id} not in (
            select ${passwordHistory.id} from ${passwordHistory}
            where ${passwordHistory.userId} = ${id}
            order by ${passwordHistory.id} desc
            limit ${HISTORY_KEPT - 1}
          )`);
    },
  };
}
