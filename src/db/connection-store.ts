import { asc, eq, sql } from "drizzle-orm";
import type { PasswordLevel } from "../passwords/policy.ts";
import {
  type BruteForceMode,
  type BruteForceShield,
  type Connection,
  DEFAULT_BRUTE_FORCE,
  DEFAULT_POLICY,
  type SignupMode,
} from "../users/connection.ts";
import { storeConfigSchema } from "../users/external-store.ts";
import type { ConnectionStore } from "../users/ports.ts";
import type { Executor } from "./client.ts";
import { prepareOnce } from "./prepare-once.ts";
import { connections } from "./schema.ts";

type Row = typeof connections.$inferSelect;

function toConnection(row: Row): Connection {
  return {
    id: row.id,
    name: row.name,
    strategy: row.strategy,
    policy: {
      level: row.passwordLevel as PasswordLevel,
      minLength: row.passwordMinLength,
      historySize: row.passwordHistorySize,
      dictionary: row.passwordDictionary,
      noPersonalInfo: row.passwordNoPersonalInfo,
    },
    bruteForce: {
      enabled: row.bruteForceProtection,
      maxAttempts: row.bruteForceMaxAttempts,
      mode: row.bruteForceMode as BruteForceMode,
      shields: row.bruteForceShields as BruteForceShield[],
      allowlist: row.bruteForceAllowlist,
    },
    // Anything but "open" (the column is free text) keeps signup closed.
    signup: row.signup === "open" ? "open" : ("closed" satisfies SignupMode),
    // Validated when written; a row edited by hand into something else reads as a store that
    // cannot be reached rather than as Passdesk's own tables.
    ...(row.store !== null && { store: storeConfigSchema.safeParse(row.store).data ?? "invalid" }),
    // Anything but the two settings (the column is free text) follows the default.
    ...((row.setPasswordApproval === "off" || row.setPasswordApproval === "required") && {
      setPasswordApproval: row.setPasswordApproval,
    }),
  };
}

export function createDrizzleConnectionStore(db: Executor): ConnectionStore {
  const findById = prepareOnce(() =>
    db
      .select()
      .from(connections)
      .where(eq(connections.id, sql.placeholder("id")))
      .prepare("connections_find_by_id"),
  );
  return {
    async findByName(name) {
      const [row] = await db.select().from(connections).where(eq(connections.name, name));
      return row && toConnection(row);
    },
    async findById(id) {
      const [row] = await findById().execute({ id });
      return row && toConnection(row);
    },
    async list() {
      const rows = await db.select().from(connections).orderBy(asc(connections.id));
      return rows.map(toConnection);
    },
    async add({ name, strategy, policy, bruteForce, signup, store }) {
      const merged = { ...DEFAULT_POLICY, ...policy };
      const guard = { ...DEFAULT_BRUTE_FORCE, ...bruteForce };
      const [row] = await db
        .insert(connections)
        .values({
          name,
          strategy,
          passwordLevel: merged.level,
          passwordMinLength: merged.minLength,
          passwordHistorySize: merged.historySize,
          passwordDictionary: merged.dictionary,
          passwordNoPersonalInfo: merged.noPersonalInfo,
          bruteForceProtection: guard.enabled,
          bruteForceMaxAttempts: guard.maxAttempts,
          bruteForceMode: guard.mode,
          bruteForceShields: guard.shields,
          bruteForceAllowlist: guard.allowlist,
          ...(signup !== undefined && { signup }),
          ...(store !== undefined && { store }),
        })
        .onConflictDoNothing()
        .returning();
      return row && toConnection(row);
    },
    async updatePolicy(name, policy) {
      const [row] = await db
        .update(connections)
        .set({
          ...(policy.level !== undefined && { passwordLevel: policy.level }),
          ...(policy.minLength !== undefined && { passwordMinLength: policy.minLength }),
          ...(policy.historySize !== undefined && { passwordHistorySize: policy.historySize }),
          ...(policy.dictionary !== undefined && { passwordDictionary: policy.dictionary }),
          ...(policy.noPersonalInfo !== undefined && {
            passwordNoPersonalInfo: policy.noPersonalInfo,
          }),
        })
        .where(eq(connections.name, name))
        .returning();
      return row && toConnection(row);
    },
    async setStore(name, store) {
      const [row] = await db
        .update(connections)
        .set({ store })
        .where(eq(connections.name, name))
        .returning();
      return row && toConnection(row);
    },
    async setSetPasswordApproval(name, setting) {
      const [row] = await db
        .update(connections)
        .set({ setPasswordApproval: setting })
        .where(eq(connections.name, name))
        .returning();
      return row && toConnection(row);
    },
    async setSignup(name, signup) {
      const [row] = await db
        .update(connections)
        .set({ signup })
        .where(eq(connections.name, name))
        .returning();
      return row && toConnection(row);
    },
    async updateBruteForce(name, settings) {
      const [row] = await db
        .update(connections)
        .set({
          ...(settings.enabled !== undefined && { bruteForceProtection: settings.enabled }),
          ...(settings.maxAttempts !== undefined && {
            bruteForceMaxAttempts: settings.maxAttempts,
          }),
          ...(settings.mode !== undefined && { bruteForceMode: settings.mode }),
          ...(settings.shields !== undefined && { bruteForceShields: settings.shields }),
          ...(settings.allowlist !== undefined && { bruteForceAllowlist: settings.allowlist }),
        })
        .where(eq(connections.name, name))
        .returning();
      return row && toConnection(row);
    },
  };
}
