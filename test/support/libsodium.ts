import sodium from "libsodium-wrappers-sumo";

/**
 * Verifies an Argon2 PHC string with libsodium: a second implementation, and a strict one (it
 * refuses parameters out of the m, t, p order), as other programs verifying Passdesk's hashes
 * would be.
 */
export async function verifyWithLibsodium(hash: string, password: string): Promise<boolean> {
  await sodium.ready;
  return sodium.crypto_pwhash_str_verify(hash, password);
}
