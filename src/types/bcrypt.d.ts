// The part of the native bcrypt package's API Passdesk uses (the package ships no types).
declare module "bcrypt" {
  /** Resolves false for a mismatch; rejects for a hash it cannot parse. */
  export function compare(data: string | Buffer, encrypted: string): Promise<boolean>;
  const bcrypt: { compare: typeof compare };
  export default bcrypt;
}
