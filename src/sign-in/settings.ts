import { isIP } from "node:net";
import type { BruteForceMode, BruteForceSettings, BruteForceShield } from "../users/connection.ts";

export const BRUTE_FORCE_MODES: readonly BruteForceMode[] = [
  "count_per_identifier_and_ip",
  "count_per_identifier",
];
export const BRUTE_FORCE_SHIELDS: readonly BruteForceShield[] = ["block", "user_notification"];
/** Auth0 allows 1 to 100 attempts. */
export const MAX_ATTEMPTS_RANGE = { min: 1, max: 100 } as const;

/** An IPv4 or IPv6 address, or a CIDR of either with a prefix in range. */
export function isAllowlistEntry(entry: string): boolean {
  const [address = "", prefix, ...rest] = entry.split("/");
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 6 ? 128 : 32);
}

export interface BruteForceInput {
  enabled?: boolean;
  maxAttempts?: number;
  mode?: string;
  /** Comma-separated, or "none". */
  shields?: string;
  /** Comma-separated IPs and CIDRs, or "none". */
  allowlist?: string;
}

const list = (text: string) =>
  text.trim() === "none"
    ? []
    : text
        .split(",")
        .map((item) => item.trim())
        .filter(Boolean);

/** The settings given, checked: every problem at once, or the changes. */
export function readBruteForceChanges(
  input: BruteForceInput,
): { ok: true; changes: Partial<BruteForceSettings> } | { ok: false; problems: string[] } {
  const problems: string[] = [];
  const changes: Partial<BruteForceSettings> = {};
  if (input.enabled !== undefined) changes.enabled = input.enabled;
  if (input.maxAttempts !== undefined) {
    const { min, max } = MAX_ATTEMPTS_RANGE;
    if (!Number.isInteger(input.maxAttempts) || input.maxAttempts < min || input.maxAttempts > max)
      problems.push(`max attempts must be a whole number from ${min} to ${max}`);
    else changes.maxAttempts = input.maxAttempts;
  }
  if (input.mode !== undefined) {
    if (BRUTE_FORCE_MODES.includes(input.mode as BruteForceMode))
      changes.mode = input.mode as BruteForceMode;
    else problems.push(`mode must be one of ${BRUTE_FORCE_MODES.join(", ")}`);
  }
  if (input.shields !== undefined) {
    const shields = [...new Set(list(input.shields))];
    const unknown = shields.filter(
      (item) => !BRUTE_FORCE_SHIELDS.includes(item as BruteForceShield),
    );
    if (unknown.length > 0)
      problems.push(
        `shields must be among ${BRUTE_FORCE_SHIELDS.join(", ")} (or none), got ${unknown.join(", ")}`,
      );
    else changes.shields = shields as BruteForceShield[];
  }
  if (input.allowlist !== undefined) {
    const entries = [...new Set(list(input.allowlist))];
    const bad = entries.filter((entry) => !isAllowlistEntry(entry));
    if (bad.length > 0) problems.push(`not an IP address or CIDR: ${bad.join(", ")}`);
    else changes.allowlist = entries;
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, changes };
}

/** One line: `protection=on max-attempts=10 mode=… shields=block,user_notification allowlist=none`. */
export function describeBruteForce(settings: BruteForceSettings): string {
  return [
    `protection=${settings.enabled ? "on" : "off"}`,
    `max-attempts=${settings.maxAttempts}`,
    `mode=${settings.mode}`,
    `shields=${settings.shields.join(",") || "none"}`,
    `allowlist=${settings.allowlist.join(",") || "none"}`,
  ].join(" ");
}
