import {
  buildCommonVariables,
  type CommonVariables,
  createCommonScope,
  type Recipient,
  SAMPLE_CONNECTION,
  SAMPLE_RECIPIENT,
  SAMPLE_SETTINGS,
  type TemplateSettings,
} from "./common-variables.ts";
import type { PasswordChangedBy } from "./ports.ts";

/** The variables a password-changed template can use: the common ones, and what happened. */
export interface PasswordChangedVariables extends CommonVariables {
  changed_by: "you" | "an administrator";
  /** When, in UTC, e.g. "6 December 2026, 23:20 UTC". */
  time: string;
  /** The "Secure my account" link. */
  secure_url: string;
}

export interface PasswordChangedInputs {
  user: Recipient;
  connection: string;
  changedBy: PasswordChangedBy;
  at: Date;
  secureUrl: string;
}

/**
 * The password-changed email's variables, for the real send, the previews and test sends alike;
 * the shared ones come from buildCommonVariables.
 */
export function buildPasswordChangedVariables(
  settings: TemplateSettings,
  inputs: PasswordChangedInputs,
): PasswordChangedVariables {
  return {
    ...buildCommonVariables(settings, inputs),
    changed_by: inputs.changedBy === "user" ? "you" : "an administrator",
    time: describeChangeTime(inputs.at),
    secure_url: inputs.secureUrl,
  };
}

const MONTHS = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
];

/** "6 December 2026, 23:20 UTC": the same on every server, whatever its locale or zone. */
export function describeChangeTime(at: Date): string {
  const pad = (value: number) => String(value).padStart(2, "0");
  const date = `${at.getUTCDate()} ${MONTHS[at.getUTCMonth()]} ${at.getUTCFullYear()}`;
  return `${date}, ${pad(at.getUTCHours())}:${pad(at.getUTCMinutes())} UTC`;
}

// Not a link Passdesk ever issues: a preview or test email must look real without securing
// (blocking) anything, like previewLink for the reset link.
const PREVIEW_SECURE_TOKEN = "test-link-secures-nothing";

/** The "Secure my account" link previews and test emails carry: it does nothing. */
export function previewSecureLink(publicUrl: string): string {
  // The real link's path (SECURE_ACCOUNT_PATH in password-reset/secure-account-link.ts): the
  // page answers this token "invalid link".
  return `${publicUrl}/lo/secure?ticket=${PREVIEW_SECURE_TOKEN}`;
}

/** A preview's variables: a change by the user themselves at `at`, with previewSecureLink. */
export function previewPasswordChangedVariables(
  settings: TemplateSettings,
  at: Date,
  recipient: Recipient = SAMPLE_RECIPIENT,
): PasswordChangedVariables {
  return buildPasswordChangedVariables(settings, {
    user: recipient,
    connection: SAMPLE_CONNECTION,
    changedBy: "user",
    at,
    secureUrl: previewSecureLink(settings.publicUrl),
  });
}

const SAMPLE_TIME = new Date("2026-01-15T09:30:00Z");

/** Every variable set, for validating a template and for tests; overrides replace any of them. */
export function samplePasswordChangedVariables(
  overrides: Partial<Omit<PasswordChangedVariables, "user">> & {
    user?: Partial<PasswordChangedVariables["user"]>;
  } = {},
): PasswordChangedVariables {
  const { user, ...rest } = overrides;
  const sample = previewPasswordChangedVariables(SAMPLE_SETTINGS, SAMPLE_TIME);
  return { ...sample, ...rest, user: { ...sample.user, ...user } };
}

/** The object password-changed templates see. */
export function createPasswordChangedScope(variables: PasswordChangedVariables): object {
  return {
    ...createCommonScope(variables),
    changed_by: variables.changed_by,
    time: variables.time,
    secure_url: variables.secure_url,
  };
}
