import type { Logger } from "../logger.ts";
import { createFormatHasher } from "../passwords/hash-format.ts";
import type { PasswordHasher } from "../passwords/hasher.ts";
import { createHttpUserStore } from "../user-stores/http/http-user-store.ts";
import { createSqlUserStore } from "../user-stores/sql/sql-user-store.ts";
import type { Connection } from "../users/connection.ts";
import {
  checkStoreBaseUrl,
  ExternalStoreUnavailableError,
  type ExternalUserStore,
} from "../users/external-store.ts";
import type { ExternalStoreRegistry } from "../users/linked-user-store.ts";

export interface ExternalStoresOptions {
  /** Where `--store-url-env` and `--secret-env` names are read: the process environment. */
  env: Record<string, string | undefined>;
  /** Passdesk's bounded hasher: verifies the stores' hashes and writes their Argon2 ones. */
  hasher: PasswordHasher;
  /** The process-wide bound bcrypt hashing shares with Argon2. */
  bound: <T>(operation: () => Promise<T>) => Promise<T>;
  logger?: Logger;
  /** Per call (and per SQL statement); 5 s by default. */
  timeoutMillis?: number;
  /** HTTP: extra attempts after a network error, timeout or 5xx; 2 by default. */
  retries?: number;
}

export interface ExternalStores extends ExternalStoreRegistry {
  close(): Promise<void>;
}

/**
 * Opens each connection's external store on first use and keeps it while the connection's
 * setting stays the same (a `connections set` made by the CLI opens a new one). The URL and the
 * secret are read from the environment then, and appear in no message.
 */
export function createExternalStores(options: ExternalStoresOptions): ExternalStores {
  const opened = new Map<number, { key: string; store: ExternalUserStore }>();

  function open(connection: Connection): ExternalUserStore {
    const config = connection.store;
    const fail = (why: string) => new ExternalStoreUnavailableError(connection.name, why);
    if (config === undefined || config === "invalid") throw fail("its store setting is invalid");
    const verifyHash = (hash: string, password: string) => options.hasher.verify(hash, password);
    if (config.kind === "sql") {
      const url = options.env[config.urlEnv];
      if (!url) throw fail(`${config.urlEnv} is not set`);
      return createSqlUserStore({
        connection: connection.name,
        config,
        url,
        hashPassword: createFormatHasher(config.hashFormat, options.hasher, options.bound),
        verifyHash,
        ...(options.timeoutMillis !== undefined && { timeoutMillis: options.timeoutMillis }),
      });
    }
    const secret = options.env[config.secretEnv];
    if (!secret) throw fail(`${config.secretEnv} is not set`);
    const problem = checkStoreBaseUrl(config.baseUrl);
    if (problem) throw fail(`its base URL ${problem}`);
    return createHttpUserStore({
      connection: connection.name,
      baseUrl: config.baseUrl,
      secret,
      verifyHash,
      ...(options.timeoutMillis !== undefined && { timeoutMillis: options.timeoutMillis }),
      ...(options.retries !== undefined && { retries: options.retries }),
    });
  }

  return {
    storeFor(connection) {
      const key = JSON.stringify(connection.store);
      const known = opened.get(connection.id);
      if (known?.key === key) return known.store;
      let store: ExternalUserStore;
      try {
        store = open(connection);
      } catch (error) {
        if (error instanceof ExternalStoreUnavailableError) throw error;
        throw new ExternalStoreUnavailableError(connection.name, (error as Error).message);
      }
      if (known) {
        known.store.close().catch((error: unknown) => {
          options.logger?.warn({ err: error }, "closing a replaced user store failed");
        });
      }
      opened.set(connection.id, { key, store });
      return store;
    },
    async close() {
      await Promise.allSettled([...opened.values()].map(({ store }) => store.close()));
      opened.clear();
    },
  };
}
