export interface User {
  id: number;
  connectionId: number;
  email: string;
  emailVerified: boolean;
  name: string | null;
  givenName: string | null;
  familyName: string | null;
  nickname: string | null;
  username: string | null;
  /** A URL of the user's picture, as given at signup. */
  picture: string | null;
  /** Auth0's user_metadata: at most ten string properties the user may see and change. */
  userMetadata: Record<string, string>;
  blocked: boolean;
  passwordHash: string | null;
  passwordChangedAt: Date | null;
  /**
   * The external store's id of a user of a connection backed by one (users/external-store.ts):
   * then the profile and `passwordHash` are the store's, read at each look-up; null otherwise.
   */
  externalId?: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface NewUser {
  email: string;
  emailVerified?: boolean;
  name?: string | null;
  givenName?: string | null;
  familyName?: string | null;
  nickname?: string | null;
  username?: string | null;
  picture?: string | null;
  userMetadata?: Record<string, string>;
  blocked?: boolean;
  passwordHash?: string | null;
}

/**
 * Auth0's subject for a user of a database connection: `sub` in tokens, `user_id` in change
 * events, so that an app matches one with the other.
 */
export function subjectOf(user: Pick<User, "id">): string {
  return `auth0|${user.id}`;
}
