import type { RuleVerdict } from "../../password-reset/new-password.ts";
import {
  findCharacterClasses,
  MAX_PASSWORD_LENGTH,
  normalizePassword,
  type PasswordPolicy,
  type PasswordRule,
  resolveMinLength,
} from "../../passwords/policy.ts";

/*
 * Auth0's `invalid_password` answers, as its password-sheriff rules word them: Lock and the
 * native SDKs branch on `name` and render `description.rules` (message with `format` filled in).
 * Strength comes first, then the dictionary, then personal data, as Auth0 reports them.
 */

interface SheriffItem {
  message: string;
  code: string;
  verified: boolean;
}

interface SheriffRule {
  message: string;
  code: string;
  format?: Array<number | string>;
  items?: SheriffItem[];
  verified: boolean;
}

const STRENGTH_RULES = new Set<PasswordRule>([
  "min_length",
  "max_length",
  "lower_case",
  "upper_case",
  "digit",
  "character_classes",
  "identical_chars",
]);

const item = (code: string, message: string, verified: boolean): SheriffItem => ({
  message,
  code,
  verified,
});

function describeStrength(
  rules: readonly RuleVerdict[],
  policy: PasswordPolicy,
  password: string,
): SheriffRule[] {
  const passed = (rule: PasswordRule) => rules.find((verdict) => verdict.rule === rule)?.ok;
  const has = (rule: PasswordRule) => rules.some((verdict) => verdict.rule === rule);
  const described: SheriffRule[] = [
    {
      message: "At least %d characters in length",
      format: [resolveMinLength(policy)],
      code: "lengthAtLeast",
      verified: passed("min_length") === true,
    },
  ];
  // Passdesk's own ceiling, which Auth0 does not have: named only to the one who exceeds it.
  if (passed("max_length") === false) {
    described.push({
      message: "At most %d characters in length",
      format: [MAX_PASSWORD_LENGTH],
      code: "lengthAtMost",
      verified: false,
    });
  }
  if (has("lower_case")) {
    const items = [
      item("lowerCase", "lower case letters (a-z)", passed("lower_case") === true),
      item("upperCase", "upper case letters (A-Z)", passed("upper_case") === true),
      item("numbers", "numbers (i.e. 0-9)", passed("digit") === true),
    ];
    described.push({
      message: "Should contain:",
      code: "shouldContain",
      items,
      verified: items.every((entry) => entry.verified),
    });
  }
  if (has("character_classes")) {
    const classes = findCharacterClasses(normalizePassword(password));
    described.push({
      message: "Contain at least %d of the following %d types of characters:",
      code: "containsAtLeast",
      format: [3, 4],
      items: [
        item("lowerCase", "lower case letters (a-z)", classes.lower),
        item("upperCase", "upper case letters (A-Z)", classes.upper),
        item("numbers", "numbers (i.e. 0-9)", classes.digit),
        item("specialCharacters", "special characters (e.g. !@#$%^&*)", classes.special),
      ],
      verified: passed("character_classes") === true,
    });
  }
  if (has("identical_chars")) {
    described.push({
      message: 'No more than %d identical characters in a row (e.g., "%s" not allowed)',
      code: "identicalChars",
      format: [2, "aaa"],
      verified: passed("identical_chars") === true,
    });
  }
  return described;
}

function fill(message: string, format: ReadonlyArray<number | string> = []): string {
  let index = 0;
  return message.replace(/%[ds]/g, () => String(format[index++] ?? ""));
}

/** Auth0's one-line-per-rule summary of the strength rules, as in its `policy` field. */
function summarize(rules: readonly SheriffRule[]): string {
  return rules
    .flatMap((rule) => [
      `* ${fill(rule.message, rule.format)}`,
      ...(rule.items ?? []).map((entry) => ` * ${entry.message}`),
    ])
    .join("\n");
}

/** The body of Auth0's 400 for a password the connection's policy refused. */
export function describeInvalidPassword(
  rules: readonly RuleVerdict[],
  policy: PasswordPolicy,
  password: string,
): Record<string, unknown> {
  const failed = (rule: PasswordRule) =>
    rules.some((verdict) => verdict.rule === rule && verdict.ok === false);
  if (rules.some((verdict) => STRENGTH_RULES.has(verdict.rule) && verdict.ok === false)) {
    const strength = describeStrength(rules, policy, password);
    return {
      name: "PasswordStrengthError",
      message: "Password is too weak",
      code: "invalid_password",
      description: { rules: strength, verified: false },
      policy: summarize(strength),
      statusCode: 400,
    };
  }
  if (failed("dictionary")) {
    return {
      name: "PasswordDictionaryError",
      message: "Password is too common",
      code: "invalid_password",
      description: "Password is not allowed, it might be too common.",
      statusCode: 400,
    };
  }
  return {
    name: "PasswordNoUserInfoError",
    message: "Password contains user information",
    code: "invalid_password",
    description: "Password is based on user information",
    statusCode: 400,
  };
}
