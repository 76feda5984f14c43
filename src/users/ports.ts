import type { PasswordPolicy } from "../passwords/policy.ts";
import type { BruteForceSettings, Connection, NewConnection, SignupMode } from "./connection.ts";
import type { StoreConfig } from "./external-store.ts";
import type { NewUser, User } from "./user.ts";

/*
 * Where users and their connections live. Today the built-in tables (src/db/user-store.ts,
 * connection-store.ts); connections backed by an organisation's own store implement the same
 * UserStore.
 */

export interface UserFilter {
  connectionId?: number;
  blocked?: boolean;
  /** Case-insensitive part of the email. */
  emailContains?: string;
}

/** Keyset paging in creation order: ids after `afterId`, at most `limit`. */
export interface UserPage {
  afterId?: number;
  limit: number;
}

/** A user without the password hash, for listings. */
export type ListedUser = Omit<User, "passwordHash"> & { hasPassword: boolean };

/** What went with a deleted user (their tickets, outbox rows and history cascade). */
export interface DeletedUser {
  liveTickets: number;
  unsentEmails: number;
  emails: number;
  /** Kept, with the user unlinked: the audit trail of who asked for what. */
  resetRequests: number;
}

/** Whether a password is the user's current one; a match may ask to be stored anew. */
export type PasswordCheck =
  | { ok: true; needsRehash: boolean }
  | { ok: false; reason: "no_password" | "wrong_password" };

export interface UserStore {
  findByEmail(connectionId: number, email: string): Promise<User | undefined>;
  findById(id: number): Promise<User | undefined>;
  /** findById for several ids in one statement; each result in its id's place. */
  findByIds(ids: number[]): Promise<Array<User | undefined>>;
  /** The users of one connection with any of these emails, in one query. */
  findByEmails(connectionId: number, emails: string[]): Promise<User[]>;
  /** The user with that email in every connection that has one. */
  findAllByEmail(email: string): Promise<User[]>;
  /** Returns undefined when the email is already taken in that connection. */
  add(connectionId: number, user: NewUser): Promise<User | undefined>;
  setBlocked(id: number, blocked: boolean): Promise<void>;
  /** Users matching every given filter, by id. */
  list(filter: UserFilter, page: UserPage): Promise<ListedUser[]>;
  /** Deletes the user; undefined when there was none with that id. */
  delete(id: number): Promise<DeletedUser | undefined>;
  /** The current hash first, then earlier ones, newest first; at most `count`. */
  recentPasswordHashes(id: number, count: number): Promise<string[]>;
  /** Stores a new hash as current and appends it to the history. */
  setPasswordHash(id: number, hash: string, changedAt: Date): Promise<void>;
  /**
   * Replaces the current hash by `newHash`, a rehash of the same password with the current
   * parameters, only while the current one is still `previousHash`: true when it did. Not a
   * password change: the history and the change time stay as they are.
   */
  replacePasswordHash(id: number, previousHash: string, newHash: string): Promise<boolean>;
  /**
   * Checks `password` against the user's current password: the built-in tables compare it with
   * the stored hash; a store backed by an organisation's own system asks that system.
   */
  verifyPassword(user: User, password: string): Promise<PasswordCheck>;
}

/** The link rows of users who live in an external store (see User.externalId). */
export interface UserLinkStore {
  /**
   * Creates, or refreshes the email of, one link row per user (by connection and external id);
   * returns them in the order given.
   */
  link(
    connectionId: number,
    users: Array<{ externalId: string; email: string }>,
  ): Promise<Array<Pick<User, "id" | "passwordChangedAt" | "createdAt" | "updatedAt">>>;
}

export interface ConnectionStore {
  findByName(name: string): Promise<Connection | undefined>;
  findById(id: number): Promise<Connection | undefined>;
  list(): Promise<Connection[]>;
  /** Returns undefined when the name is taken. */
  add(connection: NewConnection): Promise<Connection | undefined>;
  /** Changes the given policy fields; undefined when there is no connection of that name. */
  updatePolicy(name: string, policy: Partial<PasswordPolicy>): Promise<Connection | undefined>;
  /** Points the connection at another external store; undefined when there is no such name. */
  setStore(name: string, store: StoreConfig): Promise<Connection | undefined>;
  /** Opens or closes public signup; undefined when there is no connection of that name. */
  setSignup(name: string, signup: SignupMode): Promise<Connection | undefined>;
  /** Four-eyes /set-password for this connection, or null for the global default. */
  setSetPasswordApproval(
    name: string,
    setting: "off" | "required" | null,
  ): Promise<Connection | undefined>;
  /** Changes the given brute-force settings; undefined when there is no connection of that name. */
  updateBruteForce(
    name: string,
    settings: Partial<BruteForceSettings>,
  ): Promise<Connection | undefined>;
}
