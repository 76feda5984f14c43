/**
 * Turns passwords into storable hashes and checks them. Implementations normalise to NFC
 * themselves, so a caller that forgets to still gets consistent hashes.
 */
export interface PasswordHasher {
  /** A self-describing hash (algorithm, parameters, salt) ready to store. */
  hash(password: string): Promise<string>;
  /** Whether the password matches the hash; false, never an error, for a malformed hash. */
  verify(hash: string, password: string): Promise<boolean>;
  /** Whether the hash was made with another algorithm or parameters and should be replaced at the next successful login. */
  needsRehash(hash: string): boolean;
}
