import type { webApi } from "@slack/bolt";
import { normalizeEmail } from "../users/email.ts";
import type { CommandTarget } from "./command-text.ts";

export type ResolvedTarget =
  | { ok: true; email: string }
  | { ok: false; reason: "user_not_found_in_slack"; slackUserId: string };

/** An `@user` target becomes the email on their Slack profile (scope `users:read.email`). */
export async function resolveTargetEmail(
  client: webApi.WebClient,
  target: CommandTarget,
): Promise<ResolvedTarget> {
  if (target.kind === "email") return { ok: true, email: target.email };
  try {
    const { user } = await client.users.info({ user: target.userId });
    const email = user?.profile?.email;
    if (email && !user?.deleted && !user?.is_bot) return { ok: true, email: normalizeEmail(email) };
  } catch (error) {
    const code = (error as { data?: { error?: string } }).data?.error;
    if (code !== "user_not_found") throw error;
  }
  return { ok: false, reason: "user_not_found_in_slack", slackUserId: target.userId };
}
