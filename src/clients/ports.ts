/** An application that may send users to Passdesk (Auth0's "client"). */
export interface Client {
  clientId: string;
  name: string;
  webOrigins: string[];
  /**
   * A confidential client's secret as SHA-256, hex (the secret is 256 random bits, so a fast
   * hash is enough); null for a public client (a browser or mobile app), which has no secret.
   */
  secretHash: string | null;
  /** Whether the client may ask for refresh tokens (scope offline_access). */
  refreshTokens: boolean;
}

export interface NewClient {
  name: string;
  webOrigins: string[];
  secretHash?: string | null;
  refreshTokens?: boolean;
}

export interface ClientStore {
  findByClientId(clientId: string): Promise<Client | undefined>;
  list(): Promise<Client[]>;
  add(client: NewClient): Promise<Client>;
  /** Returns the removed client, or undefined when there was none with that client_id. */
  remove(clientId: string): Promise<Client | undefined>;
}
