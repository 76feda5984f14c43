/*
 * The stores sign-in works with: APIs that tokens name, the keys that sign them, refresh tokens
 * and the brute-force counts. Implemented by src/db/; the domain sees only these types.
 */

/** An API that access tokens may name as their audience (Auth0's "API", by its identifier). */
export interface Api {
  identifier: string;
  name: string;
}

export interface ApiStore {
  findByIdentifier(identifier: string): Promise<Api | undefined>;
  list(): Promise<Api[]>;
  /** Returns undefined when the identifier is taken. */
  add(api: Api): Promise<Api | undefined>;
  remove(identifier: string): Promise<Api | undefined>;
}

/** A key that signs tokens; the private half encrypted with the key-encryption key. */
export interface SigningKey {
  kid: string;
  /** The public key as a JWK (kty, n, e, kid, alg, use). */
  publicJwk: Record<string, unknown>;
  privateKeyEncrypted: string;
  createdAt: Date;
  /** When it stopped signing; null while it is the current key. */
  rotatedAt: Date | null;
  /** A rotated key stays published until every token it signed has expired. */
  publishedUntil: Date | null;
  revokedAt: Date | null;
}

export type NewSigningKey = Pick<SigningKey, "kid" | "publicJwk" | "privateKeyEncrypted">;

export interface SigningKeyStore {
  /** The key that signs new tokens: neither rotated nor revoked. */
  current(): Promise<SigningKey | undefined>;
  /** Keys whose public half belongs in the JWKS at `at`: current, or rotated and not expired. */
  published(at: Date): Promise<SigningKey[]>;
  /** Every key, newest first. */
  list(): Promise<SigningKey[]>;
  /** Adds a current key; undefined when there already is one (another instance was first). */
  addCurrent(key: NewSigningKey): Promise<SigningKey | undefined>;
  /**
   * Retires the current key (kept published until `publishedUntil`) and makes `next` current,
   * in one transaction's worth of statements; returns the retired key, if there was one.
   */
  rotate(next: NewSigningKey, at: Date, publishedUntil: Date): Promise<SigningKey | undefined>;
  /** Withdraws a key at once; undefined when no unrevoked key has that kid. */
  revoke(kid: string, at: Date): Promise<SigningKey | undefined>;
}

export interface RefreshToken {
  id: number;
  familyId: string;
  userId: number;
  clientId: string;
  scope: string;
  audience: string;
  createdAt: Date;
  expiresAt: Date;
  usedAt: Date | null;
  revokedAt: Date | null;
}

export interface NewRefreshToken {
  /** SHA-256 of the token, hex; the token itself is only ever in the client's hands. */
  tokenHash: string;
  familyId: string;
  userId: number;
  clientId: string;
  scope: string;
  audience: string;
  expiresAt: Date;
}

export type RevocationReason = "reuse" | "revoked" | "password_changed" | "blocked";

export interface RefreshTokenStore {
  add(token: NewRefreshToken): Promise<RefreshToken>;
  findByHash(tokenHash: string): Promise<RefreshToken | undefined>;
  /**
   * Marks the token used, only if it is neither used nor revoked: true when this call did it (two
   * concurrent uses of one token cannot both succeed).
   */
  markUsed(id: number, at: Date): Promise<boolean>;
  /** Revokes every live token of a family; returns how many. */
  revokeFamily(familyId: string, reason: RevocationReason, at: Date): Promise<number>;
  /** Revokes every live token of a user; returns how many. */
  revokeForUser(userId: number, reason: RevocationReason, at: Date): Promise<number>;
}

/** One identifier's count at one IP ('*' when the connection counts per identifier only). */
export interface FailureKey {
  connectionId: number;
  /** Normalised as UserStore normalises emails. */
  email: string;
  ip: string;
}

/** The IP of a count kept per identifier only (`count_per_identifier`). */
export const ANY_IP = "*";

/**
 * How long a block lasts when nothing lifts it sooner (Auth0's 30 days); a count whose last
 * failure is that old starts over too.
 */
export const BLOCK_LIFETIME_MILLIS = 30 * 24 * 60 * 60 * 1000;

export interface FailureCount extends FailureKey {
  failures: number;
  lastFailureAt: Date;
  blockedAt: Date | null;
}

export interface SignInFailureStore {
  /**
   * Adds one to the count of each key (a new key starts at 1) in one statement, before the
   * password is checked, and sets `blockedAt` to `at` on a count that reaches `maxAttempts`;
   * returns the counts after, in the keys' order. Concurrent calls are serialised on the rows. A
   * row blocked, or last failed, more than BLOCK_LIFETIME_MILLIS before `at` starts over at 1.
   */
  count(keys: FailureKey[], maxAttempts: number, at: Date): Promise<FailureCount[]>;
  /**
   * A right password: the counts of these keys start over. Blocked ones stay blocked, except a
   * block set at `blockedAt`: the very attempt that reached the limit, let through, was right.
   */
  reset(keys: FailureKey[], blockedAt?: Date): Promise<void>;
  /**
   * Takes one attempt back from a key's count: it was counted, but its password was never
   * checked (hashing was busy). A block set at `blockedAt` (by that very attempt) is lifted.
   */
  uncount(key: FailureKey, blockedAt?: Date): Promise<void>;
  /** Lifts the counts and blocks of an identifier, at one IP or all; returns the blocks lifted. */
  clear(connectionId: number, email: string, ip?: string): Promise<number>;
  /** The identifier's counts, blocked or not, newest failure first. */
  list(connectionId: number, email: string): Promise<FailureCount[]>;
  /** Deletes up to `limit` counts whose last failure is before `before`; returns how many. */
  prune(before: Date, limit: number): Promise<number>;
}

/** A single-use link that lifts a block; only the SHA-256 of its token is stored. */
export interface UnblockTicket {
  id: number;
  userId: number;
  /** The block it lifts, or ANY_IP for the count kept per identifier. */
  ip: string;
  createdAt: Date;
  expiresAt: Date;
  usedAt: Date | null;
  /** Withdrawn when the user secured their account (password-reset/secure-account.ts). */
  revokedAt: Date | null;
}

export interface NewUnblockTicket {
  tokenHash: string;
  userId: number;
  ip: string;
  expiresAt: Date;
}

export interface UnblockTicketStore {
  issue(ticket: NewUnblockTicket, at: Date): Promise<UnblockTicket>;
  findByTokenHash(tokenHash: string): Promise<UnblockTicket | undefined>;
  /**
   * Marks the ticket used if it is unused, unrevoked and not expired at `at`: the ticket when this
   * call did it (two concurrent uses cannot both succeed), else undefined.
   */
  consume(tokenHash: string, at: Date): Promise<UnblockTicket | undefined>;
  /** Withdraws every unused link of the user; returns how many. */
  revokeUnusedForUser(userId: number, at: Date): Promise<number>;
}
