import { timingSafeEqual } from "node:crypto";
import type { Client, ClientStore } from "../clients/ports.ts";
import { createTicketToken, hashTicketToken } from "../secret-tokens.ts";

export type ClientAuthentication = { ok: true; client: Client } | { ok: false };

/** A confidential client's secret, shown once; only its hash is stored. */
export function createClientSecret(): { secret: string; secretHash: string } {
  const secret = createTicketToken();
  return { secret, secretHash: hashTicketToken(secret) };
}

/**
 * The client a token request comes from: registered, and holding its secret when it is
 * confidential. A public client (a browser app) has none to give; a secret it sends is ignored.
 */
export async function authenticateClient(
  clients: Pick<ClientStore, "findByClientId">,
  credentials: { clientId: string; clientSecret: string | null },
): Promise<ClientAuthentication> {
  const client = await clients.findByClientId(credentials.clientId);
  if (!client) return { ok: false };
  if (client.secretHash === null) return { ok: true, client };
  if (credentials.clientSecret === null) return { ok: false };
  const given = Buffer.from(hashTicketToken(credentials.clientSecret), "hex");
  const stored = Buffer.from(client.secretHash, "hex");
  return given.length === stored.length && timingSafeEqual(given, stored)
    ? { ok: true, client }
    : { ok: false };
}
