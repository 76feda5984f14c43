import { isValidEmail, normalizeEmail } from "../users/email.ts";

export type CommandTarget =
  | { kind: "email"; email: string }
  | { kind: "slack_user"; userId: string };

export type ParsedCommand =
  | { ok: true; target: CommandTarget; connection: string | undefined }
  | { ok: false; reason: "empty" | "invalid_email" | "too_many_arguments" };

// With should_escape, Slack sends a mention as <@U123|name> (or <@U123>) and an email that it
// auto-linked as <mailto:a@b.c|a@b.c>.
const MENTION = /^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$/;
const MAILTO = /^<mailto:([^|>]+)(?:\|[^>]*)?>$/;

/** Reads `<email | @user> [connection]` from a slash command's text. */
export function parseCommandText(text: string): ParsedCommand {
  const words = text.trim().split(/\s+/).filter(Boolean);
  if (words.length === 0) return { ok: false, reason: "empty" };
  if (words.length > 2) return { ok: false, reason: "too_many_arguments" };
  const [first = "", connection] = words;
  const mention = MENTION.exec(first);
  if (mention?.[1])
    return { ok: true, target: { kind: "slack_user", userId: mention[1] }, connection };
  const email = normalizeEmail(MAILTO.exec(first)?.[1] ?? first);
  if (!isValidEmail(email)) return { ok: false, reason: "invalid_email" };
  return { ok: true, target: { kind: "email", email }, connection };
}
