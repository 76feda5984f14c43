import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { pathToFileURL } from "node:url";
import { serve } from "@hono/node-server";
import type { Hono } from "hono";
import { type Clock, systemClock } from "./clock.ts";
import { type AdapterOverrides, type Adapters, createAdapters } from "./compose/adapters.ts";
import { startBackgroundJobs } from "./compose/jobs.ts";
import { createRoutes } from "./compose/routes.ts";
import { createSignInRoutes } from "./compose/sign-in.ts";
import { type Config, ConfigError, describeDatabase, loadConfig } from "./config.ts";
import { type CliSocketOutcome, openDatabase } from "./db/client.ts";
import { DatabaseOpenError } from "./db/errors.ts";
import { MigrationError, migrateDatabase } from "./db/migrate.ts";
import type { Mailer } from "./email/mailer.ts";
import { createHttpApp } from "./http/app.ts";
import { createServerOptions, limitConnections } from "./http/server-limits.ts";
import { createLogger, type Logger } from "./logger.ts";
import { loadDictionaryRule } from "./passwords/dictionary.ts";
import { KeyDecryptionError } from "./sign-in/key-encryption.ts";
import { describeSlackStart } from "./slack/describe-start.ts";
import { ExternalStoreUnavailableError } from "./users/external-store.ts";

export interface RunningPassdesk {
  url: string;
  port: number;
  stop(): Promise<void>;
}

/** Seams for tests: everything else comes from config. */
export interface StartOptions extends AdapterOverrides {
  logger?: Logger;
  clock?: Clock;
  workerPollIntervalMillis?: number;
  /** How often the audit anchor checks whether one is due (hourly, at most, by default). */
  auditAnchorCheckMillis?: number;
  webhookPollIntervalMillis?: number;
  /** How often unrevealed passwords are checked for expiry (every minute by default). */
  revealExpiryIntervalMillis?: number;
  /** How often undecided /set-password approvals are checked for expiry (every minute by default). */
  approvalExpiryIntervalMillis?: number;
}

/**
 * The server's composition root (with src/compose/): the only place that turns config into
 * adapters and wires them — storage, adapters, the listening socket, background jobs, routes.
 */
export async function startPassdesk(
  config: Config,
  options: StartOptions = {},
): Promise<RunningPassdesk> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const clock = options.clock ?? systemClock;
  // Before listening, so that no request waits for the word index (see loadDictionaryRule).
  loadDictionaryRule();
  const { handle, cliSocket } = await openStorage(config);
  const adapters = createAdapters(config, handle, { ...options, logger, clock });
  // Listen first: with PORT=0 and no PUBLIC_URL, links can only be built once the port is known.
  let app: Hono | undefined;
  const listening = await listen(config, logger, (request, env) => app?.fetch(request, env)).catch(
    async (error: unknown) => {
      await handle.close();
      throw error;
    },
  );
  const server = listening.server;
  const publicUrl = config.publicUrlExplicit
    ? config.publicUrl
    : `http://localhost:${listening.port}`;
  // Before the jobs: a wrong key-encryption key stops the start with nothing left running.
  const signInRoutes = await createSignInRoutes(config, adapters, publicUrl).catch(
    async (error: unknown) => {
      server.close();
      await handle.close();
      throw error;
    },
  );
  const jobs = await startBackgroundJobs(config, adapters, publicUrl, options);
  app = createHttpApp({
    logger,
    checkDatabase: () => handle.ping(),
    routes: [...createRoutes(config, adapters, jobs, publicUrl), ...signInRoutes],
  });
  for (const line of banner(config, listening.port, publicUrl, adapters.mailer)) logger.info(line);
  const slackLine = describeSlackStart(jobs.slackStart, {
    publicUrl,
    missing: config.slack.missing,
  });
  logger[slackLine.level](slackLine.text);
  if (cliSocket) logger.info(describeCliSocket(cliSocket));
  for (const line of await describeExternalStores(adapters)) logger[line.level](line.text);

  let stopping: Promise<void> | undefined;
  return {
    url: `http://${config.host === "0.0.0.0" ? "localhost" : config.host}:${listening.port}`,
    port: listening.port,
    stop() {
      stopping ??= (async () => {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          if ("closeIdleConnections" in server) server.closeIdleConnections();
        });
        await jobs.stop();
        await adapters.externalStores.close();
        await handle.close();
        logger.info("Passdesk stopped");
      })();
      return stopping;
    },
  };
}

/**
 * One line per connection whose users live in an external store: reachable with its mapping
 * checked, or why not. A store that is down does not stop the start: its users wait for it.
 */
async function describeExternalStores({
  repo,
  externalStores,
}: Pick<Adapters, "repo" | "externalStores">): Promise<
  Array<{ level: "info" | "warn"; text: string }>
> {
  const external = (await repo.connections.list()).filter((connection) => connection.store);
  return Promise.all(
    external.map(async (connection) => {
      try {
        const store = externalStores.storeFor(connection);
        await store.check();
        return {
          level: "info" as const,
          text: `User store of ${connection.name}: reachable (${store.description})`,
        };
      } catch (error) {
        const why =
          error instanceof ExternalStoreUnavailableError ? error.why : (error as Error).message;
        return {
          level: "warn" as const,
          text: `User store of ${connection.name}: NOT reachable: ${why.replace(/^connection \S+: /, "")}`,
        };
      }
    }),
  );
}

/** Opens and migrates the database; on the embedded one, serves the CLI's socket beside it. */
async function openStorage(config: Config) {
  const handle = await openDatabase({
    databaseUrl: config.databaseUrl,
    pgliteDataDir: config.pgliteDataDir,
  });
  try {
    await migrateDatabase(handle);
    const cliSocket: CliSocketOutcome | undefined = await handle.serveCliSocket?.();
    return { handle, cliSocket };
  } catch (error) {
    await handle.close();
    throw error;
  }
}

async function listen(
  config: Config,
  logger: Logger,
  fetch: (request: Request, env: unknown) => Response | Promise<Response> | undefined,
) {
  const server = serve({
    fetch: (request, env) => fetch(request, env) ?? new Response("starting", { status: 503 }),
    port: config.port,
    hostname: config.host,
    serverOptions: createServerOptions(config.http),
  });
  limitConnections(server as Server, config.http, logger);
  await new Promise<void>((resolve, reject) => {
    server.once("listening", resolve);
    server.once("error", reject);
  });
  return { server, port: (server.address() as AddressInfo).port };
}

function describeCliSocket(socket: CliSocketOutcome): string {
  return socket.ok
    ? `CLI: passdesk commands reach this database through ${socket.path} (owner-only Unix socket)`
    : `CLI: no socket at ${socket.path} (${socket.reason}): stop the server to run passdesk commands`;
}

function banner(config: Config, port: number, publicUrl: string, mailer: Mailer): string[] {
  return [
    `Passdesk listening on ${config.host}:${port}; links point to ${publicUrl}`,
    `Database: ${describeDatabase(config)}`,
    mailer.name === "console"
      ? "Email: console — emails are logged, not sent (set SENDGRID_API_KEY to send through SendGrid)"
      : `Email: ${mailer.name}`,
  ];
}

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`passdesk: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const logger = createLogger(config.logLevel);
  let running: RunningPassdesk;
  try {
    running = await startPassdesk(config, { logger });
  } catch (error) {
    if (
      error instanceof DatabaseOpenError ||
      error instanceof MigrationError ||
      error instanceof KeyDecryptionError ||
      (error as NodeJS.ErrnoException).code === "EADDRINUSE"
    ) {
      process.stderr.write(`passdesk: ${(error as Error).message}\n`);
      process.exit(1);
    }
    throw error;
  }
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    process.once(signal, () => {
      logger.info({ signal }, "stopping: finishing in-flight requests");
      running.stop().then(
        () => process.exit(0),
        (error) => {
          logger.error({ err: error }, "error while stopping");
          process.exit(1);
        },
      );
    });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
