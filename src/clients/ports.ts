/** An application that may send users to Passdesk (Auth0's "client"). */
export interface Client {
  clientId: string;
  name: string;
  webOrigins: string[];
}

export interface ClientStore {
  findByClientId(clientId: string): Promise<Client | undefined>;
  list(): Promise<Client[]>;
  add(client: { name: string; webOrigins: string[] }): Promise<Client>;
  /** Returns the removed client, or undefined when there was none with that client_id. */
  remove(clientId: string): Promise<Client | undefined>;
}
