/**
 * The highest bcrypt cost Passdesk verifies. Each step doubles the work: on Passdesk's 2-core
 * reference host one verification takes about 60 ms at cost 10 (Auth0's), 1 s at 14 and 2 s at
 * 15. The reset page verifies the current hash on every submit (the history check), so a higher
 * cost would let anyone holding a reset link for that user keep a core busy.
 */
export const MAX_BCRYPT_COST = 14;
/** bcrypt's own minimum (2^4 rounds). */
const MIN_BCRYPT_COST = 4;

// $2a$ (OpenBSD, 1997), $2b$ (OpenBSD's 2014 fix of a length overflow) and $2y$ (PHP's name
// for its fixed crypt_blowfish) are one algorithm for passwords of up to 72 bytes; $2x$ (PHP's
// buggy one, kept for compatibility) is not, and is refused. Then the cost in two digits,
// 22 characters of salt (16 bytes) and 31 of digest (23 bytes) in bcrypt's own base64 alphabet.
// The last salt character carries 2 of its 6 bits and the last digest character 4: the
// unused bits must be zero, or no implementation could have written the string.
const SHAPE = /^\$2[aby]\$(\d\d)\$[./A-Za-z0-9]{21}[.Oeu][./A-Za-z0-9]{30}[.CGKOSWaeimquy26]$/;

export type BcryptHashCheck =
  | { ok: true; cost: number }
  | { ok: false; reason: "malformed" | "cost_too_high" };

/** Whether a string is a bcrypt hash Passdesk verifies (see SHAPE and MAX_BCRYPT_COST). */
export function checkBcryptHash(value: string): BcryptHashCheck {
  const cost = SHAPE.exec(value)?.[1];
  if (cost === undefined || Number(cost) < MIN_BCRYPT_COST)
    return { ok: false, reason: "malformed" };
  if (Number(cost) > MAX_BCRYPT_COST) return { ok: false, reason: "cost_too_high" };
  return { ok: true, cost: Number(cost) };
}
