// The part of the native bcrypt package's API Passdesk uses (the package ships no types).
declare module "bcrypt" {
  /** Resolves false for a mismatch; rejects for a hash it cannot parse. */
  export function compare(data: string | Buffer, encrypted: string): Promise<boolean>;
  /** A `$2b$` hash of `data` with a new salt and 2^rounds iterations. */
  export function hash(data: string | Buffer, rounds: number): Promise<string>;
  const bcrypt: { compare: typeof compare; hash: typeof hash };
  export default bcrypt;
}
