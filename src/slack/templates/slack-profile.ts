import type { webApi } from "@slack/bolt";
import type { AdminRecipient } from "../../email/admin-sample-email.ts";
import { normalizeEmail } from "../../users/email.ts";

/** users.info for the admin; without the profile (Slack failing) the sample user stands in. */
export async function readSlackProfile(
  client: webApi.WebClient,
  userId: string,
): Promise<AdminRecipient> {
  const fallback = { email: undefined, name: "Jane Doe", givenName: null, familyName: null };
  try {
    const { user } = await client.users.info({ user: userId });
    const profile = user?.profile;
    return {
      email: profile?.email ? normalizeEmail(profile.email) : undefined,
      name: profile?.real_name || user?.real_name || user?.name || fallback.name,
      givenName: profile?.first_name || null,
      familyName: profile?.last_name || null,
      nickname: profile?.display_name || user?.name || null,
    };
  } catch {
    return { ...fallback, nickname: null };
  }
}
