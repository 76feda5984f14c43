import { randomBytes } from "node:crypto";
import type { Client, ClientStore } from "../../../src/clients/ports.ts";
import { copy, type MemoryDatabase } from "./database.ts";

/** 32 alphanumeric characters, the shape of an Auth0 client ID (as src/db/client-store.ts). */
function createClientId(): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  const bytes = [...randomBytes(64)].filter((byte) => byte < 248);
  return bytes
    .slice(0, 32)
    .map((byte) => alphabet[byte % 62])
    .join("");
}

/** ClientStore over an array, with src/db/client-store.ts's semantics. */
export function createMemoryClientStore(database: MemoryDatabase): ClientStore {
  const { tables } = database;
  const shown = ({ clientId, name, webOrigins, secretHash, refreshTokens }: Client): Client =>
    copy({ clientId, name, webOrigins, secretHash, refreshTokens });
  return {
    async findByClientId(clientId) {
      const row = tables.clients.find((client) => client.clientId === clientId);
      return row && shown(row);
    },
    async list() {
      return [...tables.clients].sort((a, b) => a.id - b.id).map(shown);
    },
    async add({ name, webOrigins, secretHash = null, refreshTokens = true }) {
      const row = {
        id: database.nextId("clients"),
        clientId: createClientId(),
        name,
        webOrigins: [...webOrigins],
        secretHash,
        refreshTokens,
      };
      tables.clients.push(row);
      return shown(row);
    },
    async remove(clientId) {
      const row = tables.clients.find((client) => client.clientId === clientId);
      if (!row) return undefined;
      tables.clients = tables.clients.filter((client) => client !== row);
      return shown(row);
    },
  };
}
