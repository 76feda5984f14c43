import { createTicketToken, hashTicketToken, type RandomBytes } from "../secret-tokens.ts";
import type { SecureAccountTicket, SecureAccountTicketStore } from "./ports.ts";

/** Where the "Secure my account" page lives under PUBLIC_URL (src/http/secure-page/). */
export const SECURE_ACCOUNT_PATH = "/lo/secure";

/** The link in the password-changed notice: the one place that builds it. */
export function secureAccountUrl(publicUrl: string, token: string): string {
  return `${publicUrl}${SECURE_ACCOUNT_PATH}?ticket=${token}`;
}

/**
 * A single-use link with which the user says a password change was not theirs. Only the
 * token's SHA-256 is stored; the token itself goes into the email and nowhere else, so it is
 * issued when the email is composed and revoked if that send fails.
 */
export async function issueSecureAccountLink(
  ports: { secureAccountTickets: Pick<SecureAccountTicketStore, "issue"> },
  input: { userId: number; at: Date; lifetimeSeconds: number; publicUrl: string },
  random?: RandomBytes,
): Promise<{ url: string; ticket: SecureAccountTicket }> {
  const token = createTicketToken(random);
  const ticket = await ports.secureAccountTickets.issue(
    {
      tokenHash: hashTicketToken(token),
      userId: input.userId,
      expiresAt: new Date(input.at.getTime() + input.lifetimeSeconds * 1000),
    },
    input.at,
  );
  return { url: secureAccountUrl(input.publicUrl, token), ticket };
}
