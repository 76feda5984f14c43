import type { PasswordHasher } from "./hasher.ts";

/**
 * Whether the password matches any of the given hashes (the current one and the history,
 * already limited to the policy's size by the caller).
 */
export async function isReusedPassword(
  password: string,
  recentHashes: readonly string[],
  hasher: PasswordHasher,
): Promise<boolean> {
  // Sequential on purpose: each Argon2 verification holds its memory cost (19 MiB by
  // default), so running a whole history at once multiplies memory per request.
  for (const recentHash of recentHashes) {
    if (await hasher.verify(recentHash, password)) return true;
  }
  return false;
}
