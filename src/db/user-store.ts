import { and, desc, eq, sql } from "drizzle-orm";
import { normalizeEmail } from "../users/email.ts";
import type { NewUser, User } from "../users/user.ts";
import type { Executor } from "./client.ts";
import { prepareOnce } from "./prepare-once.ts";
import { jsonParameter } from "./raw-query.ts";
import { passwordHistory, users } from "./schema.ts";

/** Kept no matter the policy: the largest history size a connection may ask for. */
const HISTORY_KEPT = 24;

export interface UserStore {
  findByEmail(connectionId: number, email: string): Promise<User | undefined>;
  findById(id: number): Promise<User | undefined>;
  /** The users of one connection with any of these emails, in one query. */
  findByEmails(connectionId: number, emails: string[]): Promise<User[]>;
  /** The user with that email in every connection that has one. */
  findAllByEmail(email: string): Promise<User[]>;
  /** Returns undefined when the email is already taken in that connection. */
  add(connectionId: number, user: NewUser): Promise<User | undefined>;
  setBlocked(id: number, blocked: boolean): Promise<void>;
  /** The current hash first, then earlier ones, newest first; at most `count`. */
  recentPasswordHashes(id: number, count: number): Promise<string[]>;
  /** Stores a new hash as current and appends it to the history. */
  setPasswordHash(id: number, hash: string, changedAt: Date): Promise<void>;
}

export function createDrizzleUserStore(db: Executor): UserStore {
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
    async setBlocked(id, blocked) {
      await db.update(users).set({ blocked, updatedAt: sql`now()` }).where(eq(users.id, id));
    },
    async recentPasswordHashes(id, count) {
      if (count <= 0) return [];
      const rows = await recentPasswordHashes().execute({ id, count });
      return rows.map((row) => row.hash);
    },
    async setPasswordHash(id, hash, changedAt) {
      // One statement. Its parts share a snapshot: the prune does not see the row just added,
      // so it keeps the HISTORY_KEPT - 1 newest earlier ones, and that row makes HISTORY_KEPT.
      const at = changedAt.toISOString();
      await db.execute(sql`
        with updated as (
          update ${users} set password_hash = ${hash}, password_changed_at = ${at}::timestamptz,
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
