import { createLocalJWKSet, jwtVerify } from "jose";
import type { UserStore } from "../users/ports.ts";
import { userClaims } from "./claims.ts";
import { type KeyRing, SIGNING_ALGORITHM } from "./key-ring.ts";
import { grantScopes } from "./scope.ts";

const SUBJECT = /^auth0\|(\d{1,15})$/;

/**
 * Auth0's `/userinfo`: the claims of the user an access token was issued to, as its scopes
 * allow, built as the id token builds them. Undefined for a token that is not valid here: badly
 * signed, expired, for another audience, or for a user who is gone or blocked.
 */
export async function readUserInfo(
  deps: {
    keyRing: KeyRing;
    users: Pick<UserStore, "findById">;
    issuer: string;
    userinfoAudience: string;
  },
  accessToken: string,
): Promise<Record<string, string | boolean> | undefined> {
  let payload: Awaited<ReturnType<typeof jwtVerify>>["payload"];
  try {
    const keys = createLocalJWKSet({ keys: await deps.keyRing.publicKeys() });
    ({ payload } = await jwtVerify(accessToken, keys, {
      issuer: deps.issuer,
      audience: deps.userinfoAudience,
      algorithms: [SIGNING_ALGORITHM],
    }));
  } catch {
    return undefined;
  }
  const id = SUBJECT.exec(payload.sub ?? "")?.[1];
  const user = id === undefined ? undefined : await deps.users.findById(Number(id));
  if (!user || user.blocked) return undefined;
  const scope = typeof payload.scope === "string" ? payload.scope : "";
  return userClaims(user, grantScopes(scope, { refreshTokens: false }));
}
