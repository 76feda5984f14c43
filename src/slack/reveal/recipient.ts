import type { webApi } from "@slack/bolt";
import type { Logger } from "../../logger.ts";
import type { SlackRecipient } from "../../password-reset/ports.ts";
import { normalizeEmail } from "../../users/email.ts";

/**
 * The target's own Slack account, found by email (`users.lookupByEmail`): only a live, human
 * account whose email Slack has confirmed, and is the target's, may receive their password.
 * Null otherwise, and when Slack cannot be asked: the password then goes by email.
 */
export async function findSlackRecipient(
  client: Pick<webApi.WebClient, "users">,
  email: string,
  fallbackTeamId: string,
  logger: Logger,
): Promise<SlackRecipient | null> {
  try {
    const { user } = await client.users.lookupByEmail({ email });
    if (!user?.id || user.deleted || user.is_bot || user.is_email_confirmed !== true) return null;
    if (normalizeEmail(user.profile?.email ?? "") !== normalizeEmail(email)) return null;
    return { teamId: user.team_id ?? fallbackTeamId, userId: user.id };
  } catch (error) {
    const code = (error as { data?: { error?: string } }).data?.error;
    if (code !== "users_not_found") {
      logger.warn({ slackError: code ?? String(error) }, "users.lookupByEmail failed");
    }
    return null;
  }
}
