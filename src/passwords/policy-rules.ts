import { DICTIONARY_RULE_TEXT, isPredictablePassword } from "./dictionary.ts";
import { containsPersonalData } from "./personal-data.ts";
import type { CheckOptions, PasswordLevel, PasswordPolicy, PasswordRule } from "./policy.ts";

export const MAX_PASSWORD_LENGTH = 256;

interface LevelRequirements {
  minLength: number;
  classes: "any" | "lower_upper_digit" | "three_of_four";
  limitRepeats: boolean;
}

const LEVELS: Record<PasswordLevel, LevelRequirements> = {
  none: { minLength: 1, classes: "any", limitRepeats: false },
  low: { minLength: 6, classes: "any", limitRepeats: false },
  fair: { minLength: 8, classes: "lower_upper_digit", limitRepeats: false },
  good: { minLength: 8, classes: "three_of_four", limitRepeats: false },
  excellent: { minLength: 10, classes: "three_of_four", limitRepeats: true },
};

/** The minimum length in code points: the policy's or its level's, whichever is higher. */
export function resolveMinLength(policy: PasswordPolicy): number {
  return Math.max(LEVELS[policy.level].minLength, policy.minLength);
}

const LOWER = /\p{Ll}/u;
const UPPER = /\p{Lu}/u;
const DIGIT = /\p{Nd}/u;
const SPECIAL = /[^\p{L}\p{Nd}]/u;
const THREE_IDENTICAL = /(.)\1\1/su;

export interface CharacterClasses {
  lower: boolean;
  upper: boolean;
  digit: boolean;
  special: boolean;
}

/** Which kinds of character a password holds, as the level rules count them. */
export function findCharacterClasses(password: string): CharacterClasses {
  return {
    lower: LOWER.test(password),
    upper: UPPER.test(password),
    digit: DIGIT.test(password),
    special: SPECIAL.test(password),
  };
}

interface Candidate {
  password: string;
  length: number;
  options: CheckOptions;
}

export interface RuleDefinition {
  rule: PasswordRule;
  appliesTo(policy: PasswordPolicy): boolean;
  describe(policy: PasswordPolicy): string;
  passes(candidate: Candidate, policy: PasswordPolicy): boolean;
}

const requiresClasses = (classes: LevelRequirements["classes"]) => (policy: PasswordPolicy) =>
  LEVELS[policy.level].classes === classes;

// In display order.
export const RULES: readonly RuleDefinition[] = [
  {
    rule: "min_length",
    appliesTo: () => true,
    describe: (policy) => describeMinLength(resolveMinLength(policy)),
    passes: ({ length }, policy) => length >= resolveMinLength(policy),
  },
  {
    rule: "max_length",
    appliesTo: () => true,
    describe: () => `At most ${MAX_PASSWORD_LENGTH} characters`,
    passes: ({ length }) => length <= MAX_PASSWORD_LENGTH,
  },
  {
    rule: "lower_case",
    appliesTo: requiresClasses("lower_upper_digit"),
    describe: () => "At least one lower case letter",
    passes: ({ password }) => LOWER.test(password),
  },
  {
    rule: "upper_case",
    appliesTo: requiresClasses("lower_upper_digit"),
    describe: () => "At least one upper case letter",
    passes: ({ password }) => UPPER.test(password),
  },
  {
    rule: "digit",
    appliesTo: requiresClasses("lower_upper_digit"),
    describe: () => "At least one digit",
    passes: ({ password }) => DIGIT.test(password),
  },
  {
    rule: "character_classes",
    appliesTo: requiresClasses("three_of_four"),
    describe: () => "Contains at least 3 of: lower case, upper case, digit, special character",
    passes: ({ password }) =>
      Object.values(findCharacterClasses(password)).filter(Boolean).length >= 3,
  },
  {
    rule: "identical_chars",
    appliesTo: (policy) => LEVELS[policy.level].limitRepeats,
    describe: () => "No more than 2 identical characters in a row",
    passes: ({ password }) => !THREE_IDENTICAL.test(password),
  },
  {
    rule: "dictionary",
    appliesTo: (policy) => policy.dictionary,
    describe: () => DICTIONARY_RULE_TEXT,
    // A longer password is refused by max_length; its matchers' cost grows faster than its length.
    passes: ({ password, length }) =>
      length > MAX_PASSWORD_LENGTH || !isPredictablePassword(password),
  },
  {
    rule: "personal_data",
    appliesTo: (policy) => policy.noPersonalInfo,
    describe: () => "Does not contain your name or email",
    passes: ({ password, options }) =>
      !options.personal || !containsPersonalData(password, options.personal),
  },
  {
    rule: "history",
    appliesTo: (policy) => policy.historySize > 0,
    describe: (policy) =>
      policy.historySize === 1
        ? "Not your last password"
        : `Not one of your last ${policy.historySize} passwords`,
    passes: ({ options }) => options.reused !== true,
  },
];

function describeMinLength(count: number): string {
  return count === 1 ? "At least 1 character" : `At least ${count} characters`;
}
