import type { PersonalData } from "./personal-data.ts";
import { RULES } from "./policy-rules.ts";

export type { PersonalData } from "./personal-data.ts";
export {
  type CharacterClasses,
  findCharacterClasses,
  MAX_PASSWORD_LENGTH,
  resolveMinLength,
} from "./policy-rules.ts";

export const PASSWORD_LEVELS = ["none", "low", "fair", "good", "excellent"] as const;
export type PasswordLevel = (typeof PASSWORD_LEVELS)[number];

/** A connection's password policy, with Auth0's semantics. */
export interface PasswordPolicy {
  level: PasswordLevel;
  /** 1–128; applies when higher than the level's own minimum. */
  minLength: number;
  historySize: number;
  dictionary: boolean;
  noPersonalInfo: boolean;
}

export type PasswordRule =
  | "min_length"
  | "max_length"
  | "lower_case"
  | "upper_case"
  | "digit"
  | "character_classes"
  | "identical_chars"
  | "dictionary"
  | "personal_data"
  | "history";

export interface RuleResult {
  rule: PasswordRule;
  ok: boolean;
  /** A checklist sentence, true of any password that passes: "At least 12 characters". */
  message: string;
}

export interface PasswordCheck {
  ok: boolean;
  /** The NFC-normalised password: hash this one, not the raw input. */
  password: string;
  rules: RuleResult[];
  failures: PasswordRule[];
}

export interface CheckOptions {
  personal?: PersonalData;
  /** Whether the password matches a recent one (see `isReusedPassword`). */
  reused?: boolean;
}

/** NFC, so that "é" typed on any keyboard is the same password. */
export function normalizePassword(password: string): string {
  return password.normalize("NFC");
}

/** The checklist a user sees before choosing a password, in display order. */
export function describePolicy(
  policy: PasswordPolicy,
): Array<{ rule: PasswordRule; message: string }> {
  return RULES.filter((definition) => definition.appliesTo(policy)).map((definition) => ({
    rule: definition.rule,
    message: definition.describe(policy),
  }));
}

/**
 * Checks a password against every rule the policy applies, after NFC normalisation.
 * Lengths count code points. Returns data for any string; the history rule reflects
 * `options.reused`, which the caller looks up beforehand.
 */
export function checkPassword(
  password: string,
  policy: PasswordPolicy,
  options: CheckOptions = {},
): PasswordCheck {
  const normalized = normalizePassword(password);
  const candidate = { password: normalized, length: countCodePoints(normalized), options };
  const rules = RULES.filter((definition) => definition.appliesTo(policy)).map((definition) => ({
    rule: definition.rule,
    ok: definition.passes(candidate, policy),
    message: definition.describe(policy),
  }));
  const failures = rules.filter((result) => !result.ok).map((result) => result.rule);
  return { ok: failures.length === 0, password: normalized, rules, failures };
}

function countCodePoints(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}
