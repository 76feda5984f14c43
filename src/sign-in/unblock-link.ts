import { createTicketToken, hashTicketToken, type RandomBytes } from "../secret-tokens.ts";
import type { UnblockTicketStore } from "./ports.ts";

/** Where the unblock page lives under PUBLIC_URL (src/http/unblock-page/). */
export const UNBLOCK_PATH = "/lo/unblock";

/** The link in the blocked-sign-in email: the one place that builds it. */
export function unblockUrl(publicUrl: string, token: string): string {
  return `${publicUrl}${UNBLOCK_PATH}?ticket=${token}`;
}

/**
 * A single-use link that lifts the block of `ip` ('*' for the count kept per identifier). Only
 * the token's SHA-256 is stored; the token itself goes into the email and nowhere else.
 */
export async function issueUnblockLink(
  ports: { unblockTickets: Pick<UnblockTicketStore, "issue"> },
  input: { userId: number; ip: string; at: Date; lifetimeSeconds: number; publicUrl: string },
  random?: RandomBytes,
): Promise<string> {
  const token = createTicketToken(random);
  await ports.unblockTickets.issue(
    {
      tokenHash: hashTicketToken(token),
      userId: input.userId,
      ip: input.ip,
      expiresAt: new Date(input.at.getTime() + input.lifetimeSeconds * 1000),
    },
    input.at,
  );
  return unblockUrl(input.publicUrl, token);
}
