import { type Config, parseConfig } from "../../src/config.ts";
import type { Repository } from "../../src/db/stores.ts";
import { type RunningPassdesk, type StartOptions, startPassdesk } from "../../src/main.ts";
import { type BackendName, createTestDatabase, type TestDatabase } from "./database.ts";
import { silentLogger } from "./reset-fixture.ts";

export interface TestPassdesk extends RunningPassdesk {
  config: Config;
  database: TestDatabase;
  /** Stops the server and drops its database. */
  close(): Promise<void>;
}

/** A real Passdesk on 127.0.0.1 with a fresh database; `env` overrides any variable. */
export async function startTestPassdesk(
  backend: BackendName,
  env: Record<string, string> = {},
  options: StartOptions & { seed?: (repo: Repository) => Promise<void> } = {},
): Promise<TestPassdesk> {
  const database = await createTestDatabase(backend);
  if (options.seed) {
    // Before the server starts: PGlite lets one handle at a time open the directory.
    const { handle, repo } = await database.open();
    try {
      await options.seed(repo);
    } finally {
      await handle.close();
    }
  }
  const config = parseConfig({
    PORT: "0",
    HOST: "127.0.0.1",
    LOG_LEVEL: "silent",
    PUBLIC_URL: "https://passdesk.example.com",
    ...database.env,
    ...env,
  });
  const running = await startPassdesk(config, {
    logger: silentLogger,
    argon2: { memoryCost: 1024, timeCost: 1, parallelism: 1 },
    workerPollIntervalMillis: 50,
    ...options,
  });
  return {
    ...running,
    config,
    database,
    async close() {
      await running.stop();
      await database.drop();
    },
  };
}
