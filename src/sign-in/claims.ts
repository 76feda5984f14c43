import { subjectOf, type User } from "../users/user.ts";
import type { SupportedScope } from "./scope.ts";

/**
 * The user's claims that `scopes` allow, as Auth0 names them: `email` and `email_verified` with
 * `email`; the name fields and `updated_at` with `profile`. Built once for the id token and
 * `/userinfo`, which must agree.
 */
export function userClaims(
  user: User,
  scopes: readonly SupportedScope[],
): Record<string, string | boolean> {
  const claims: Record<string, string | boolean> = { sub: subjectOf(user) };
  if (scopes.includes("profile")) {
    const nickname = user.nickname ?? user.email.slice(0, user.email.lastIndexOf("@"));
    Object.assign(claims, {
      nickname,
      name: user.name ?? user.email,
      ...(user.givenName !== null && { given_name: user.givenName }),
      ...(user.familyName !== null && { family_name: user.familyName }),
      updated_at: user.updatedAt.toISOString(),
    });
  }
  if (scopes.includes("email")) {
    Object.assign(claims, { email: user.email, email_verified: user.emailVerified });
  }
  return claims;
}
