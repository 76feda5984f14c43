import { serialize } from "@phc/format";

export type Argon2Variant = "argon2id" | "argon2i" | "argon2d";

/** The parts of an Argon2 hash string. */
export interface Argon2Hash {
  variant: Argon2Variant;
  /** 19 (0x13, the current one) or 16 (0x10). */
  version: number;
  /** KiB. */
  memoryCost: number;
  timeCost: number;
  parallelism: number;
  salt: Buffer;
  hash: Buffer;
}

// Limits of the reference implementation (argon2.h): a string outside them verifies nowhere.
const MIN_SALT_BYTES = 8;
const MIN_HASH_BYTES = 4;
const MAX_PARALLELISM = 2 ** 24 - 1;
const MAX_UINT32 = 2 ** 32 - 1;

const SHAPE =
  /^\$(argon2id|argon2i|argon2d)(?:\$v=(16|19))?\$([a-z0-9=,]+)\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/;
const PARAM = /^([mtp])=([1-9]\d{0,9})$/;

/**
 * Reads an Argon2 PHC string with its m, t and p parameters in any order (node-argon2 0.45
 * wrote m,p,t). Strict otherwise: only m, t and p, each once, in decimal without leading zeros;
 * unpadded standard base64; the reference implementation's limits. A missing `v=` means
 * version 16, as in the reference decoder. Returns undefined for anything else, including
 * `keyid`/`data` parameters, which Passdesk cannot verify.
 */
export function parseArgon2Hash(value: string): Argon2Hash | undefined {
  const match = SHAPE.exec(value);
  if (!match) return undefined;
  const [, variant, version, params = "", salt = "", hash = ""] = match;
  const costs = parseParams(params);
  const saltBytes = decodeBase64(salt);
  const hashBytes = decodeBase64(hash);
  if (!costs || !saltBytes || !hashBytes) return undefined;
  const { m, t, p } = costs;
  if (p > MAX_PARALLELISM || m < 8 * p || m > MAX_UINT32 || t > MAX_UINT32) return undefined;
  if (saltBytes.length < MIN_SALT_BYTES || hashBytes.length < MIN_HASH_BYTES) return undefined;
  return {
    variant: variant as Argon2Variant,
    version: version === undefined ? 16 : Number(version),
    memoryCost: m,
    timeCost: t,
    parallelism: p,
    salt: saltBytes,
    hash: hashBytes,
  };
}

/**
 * The PHC string the Argon2 reference encoder writes: `$argon2id$v=19$m=…,t=…,p=…$salt$hash`,
 * parameters in the order m, t, p that strict parsers (libsodium, the reference C decoder,
 * PHP's password_verify) require.
 */
export function formatArgon2Hash(parts: Argon2Hash): string {
  return serialize({
    id: parts.variant,
    version: parts.version,
    // @phc/format writes the parameters in this object's key order.
    params: { m: parts.memoryCost, t: parts.timeCost, p: parts.parallelism },
    salt: parts.salt,
    hash: parts.hash,
  });
}

/**
 * The canonical form (see formatArgon2Hash) of an Argon2 PHC string written in any parameter
 * order, or undefined when it is not one (see parseArgon2Hash). Same salt, digest and costs:
 * the password that verified before verifies after.
 */
export function canonicalizeArgon2Hash(value: string): string | undefined {
  const parsed = parseArgon2Hash(value);
  return parsed && formatArgon2Hash(parsed);
}

function parseParams(text: string): { m: number; t: number; p: number } | undefined {
  const found = new Map<string, number>();
  for (const pair of text.split(",")) {
    const match = PARAM.exec(pair);
    if (!match?.[1] || found.has(match[1])) return undefined;
    found.set(match[1], Number(match[2]));
  }
  const [m, t, p] = [found.get("m"), found.get("t"), found.get("p")];
  if (m === undefined || t === undefined || p === undefined || found.size !== 3) return undefined;
  return { m, t, p };
}

// One base64 character holds 6 bits: a length of 4n+1 characters cannot encode whole bytes.
// Unused low bits in the last character are dropped (as node-argon2 does) and left out when
// formatting again, which is what strict decoders expect.
function decodeBase64(text: string): Buffer | undefined {
  if (text.length % 4 === 1) return undefined;
  return Buffer.from(text, "base64");
}
