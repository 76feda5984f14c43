import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { pathToFileURL } from "node:url";
import { serve } from "@hono/node-server";
import type { webApi } from "@slack/bolt";
import type { Hono } from "hono";
import { startAuditPoster } from "./audit/slack-audit-poster.ts";
import { type Clock, systemClock } from "./clock.ts";
import { type Config, ConfigError, describeDatabase, loadConfig } from "./config.ts";
import { type CliSocketOutcome, openDatabase } from "./db/client.ts";
import { DatabaseOpenError } from "./db/errors.ts";
import { MigrationError, migrateDatabase } from "./db/migrate.ts";
import { createRepository } from "./db/stores.ts";
import { createConsoleMailer } from "./email/console-mailer.ts";
import type { Mailer } from "./email/mailer.ts";
import { createSendGridMailer } from "./email/sendgrid-mailer.ts";
import { createHttpApp } from "./http/app.ts";
import { createChangePasswordRoute } from "./http/change-password/route.ts";
import { createResetPageRoutes } from "./http/reset-page/routes.ts";
import { createSendGridWebhookRoute } from "./http/sendgrid-webhook/route.ts";
import { createServerOptions, limitConnections } from "./http/server-limits.ts";
import { createLogger, type Logger } from "./logger.ts";
import { startWorker } from "./password-reset/worker.ts";
import { type Argon2Params, createArgon2Hasher } from "./passwords/argon2-hasher.ts";
import { createBoundedHasher } from "./passwords/bounded-hasher.ts";
import { loadDictionaryRule } from "./passwords/dictionary.ts";
import type { PasswordHasher } from "./passwords/hasher.ts";
import { startSlack } from "./slack/app.ts";
import { createSlackDeliveryNotifier } from "./slack/delivery-status.ts";
import { describeSlackStart } from "./slack/describe-start.ts";

export interface RunningPassdesk {
  url: string;
  port: number;
  stop(): Promise<void>;
}

/** Seams for tests: everything else comes from config. */
export interface StartOptions {
  logger?: Logger;
  clock?: Clock;
  mailer?: Mailer;
  argon2?: Argon2Params;
  /** Replaces the argon2 hasher (tests count its operations); the process-wide bound still wraps it. */
  hasher?: PasswordHasher;
  workerPollIntervalMillis?: number;
}

/** The composition root: the only place that turns config into adapters and wires them. */
export async function startPassdesk(
  config: Config,
  options: StartOptions = {},
): Promise<RunningPassdesk> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const clock = options.clock ?? systemClock;
  // Before listening, so that no request waits for the word index (see loadDictionaryRule).
  loadDictionaryRule();
  const handle = await openDatabase({
    databaseUrl: config.databaseUrl,
    pgliteDataDir: config.pgliteDataDir,
  });
  let cliSocket: CliSocketOutcome | undefined;
  try {
    await migrateDatabase(handle);
    cliSocket = await handle.serveCliSocket?.();
  } catch (error) {
    await handle.close();
    throw error;
  }
  const slackSettings = config.slack.settings;
  const auditChannel = slackSettings?.auditChannel;
  const repo = createRepository(handle, {
    // Slack actions and completed resets go to the audit channel; public requests only on request.
    shouldPostAudit: (entry) =>
      auditChannel !== undefined &&
      (entry.actorType === "slack" ||
        entry.action === "password_reset.completed" ||
        (slackSettings?.auditPublicRequests === true && entry.actorType === "public")),
  });
  // One bound for every server-side caller (reset page, Slack, later sign-in): Argon2 work from
  // all of them together never takes more than its share of the CPU and the libuv thread pool.
  const hasher = createBoundedHasher(
    options.hasher ?? createArgon2Hasher(options.argon2),
    config.argon2Bounds,
  );
  const mailer =
    options.mailer ??
    (config.sendgrid ? createSendGridMailer(config.sendgrid) : createConsoleMailer(logger));

  // Listen first: with PORT=0 and no PUBLIC_URL, links can only be built once the port is known.
  let app: Hono | undefined;
  const server = serve({
    fetch: (request, env) => app?.fetch(request, env) ?? new Response("starting", { status: 503 }),
    port: config.port,
    hostname: config.host,
    serverOptions: createServerOptions(config.http),
  });
  limitConnections(server as Server, config.http, logger);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("listening", resolve);
      server.once("error", reject);
    });
  } catch (error) {
    await handle.close();
    throw error;
  }
  const port = (server.address() as AddressInfo).port;
  const publicUrl = config.publicUrlExplicit ? config.publicUrl : `http://localhost:${port}`;

  const emailSettings = {
    publicUrl,
    defaultFrom: config.email.from,
    tenant: config.email.tenant,
    friendlyName: config.email.friendlyName,
    supportEmail: config.email.supportEmail,
    supportUrl: config.email.supportUrl,
  };
  const worker = startWorker(
    {
      repo,
      clock,
      mailer,
      logger,
      leaseMillis: config.email.sendLeaseSeconds * 1000,
      settings: emailSettings,
      recipientLimit: config.rateLimits.perRecipient,
    },
    {
      logger,
      ...(options.workerPollIntervalMillis && {
        pollIntervalMillis: options.workerPollIntervalMillis,
      }),
    },
  );

  const slackStart = slackSettings
    ? await startSlack(slackSettings, {
        repo,
        hasher,
        clock,
        logger,
        limits: config.rateLimits,
        defaultConnection: config.defaultConnection,
        wakeWorker: () => worker.wake(),
        mailer,
        email: emailSettings,
      })
    : undefined;
  const slack = slackStart?.ok ? slackStart.slack : undefined;
  const auditPoster =
    slack && auditChannel
      ? startAuditPoster({
          queue: repo.auditPosts,
          channel: auditChannel,
          clock,
          logger,
          post: async (message) => {
            const result = await slack.client.chat.postMessage(
              message as webApi.ChatPostMessageArguments,
            );
            return { ts: result.ts ?? "" };
          },
        })
      : undefined;

  const slackDelivery = slack
    ? createSlackDeliveryNotifier({ repo, client: slack.client, logger })
    : undefined;

  app = createHttpApp({
    logger,
    checkDatabase: () => handle.ping(),
    routes: [
      createChangePasswordRoute({
        repo,
        clock,
        logger,
        limits: config.rateLimits,
        trustedProxies: config.trustProxy,
      }),
      createResetPageRoutes({
        repo,
        hasher,
        clock,
        logger,
        limits: config.resetPageLimits,
        trustedProxies: config.trustProxy,
        publicUrl,
        friendlyName: config.email.friendlyName,
        supportEmail: config.email.supportEmail,
        supportUrl: config.email.supportUrl,
      }),
      ...(config.sendgridWebhookPublicKey
        ? [
            createSendGridWebhookRoute({
              repo,
              logger,
              clock,
              trustedProxies: config.trustProxy,
              publicKey: config.sendgridWebhookPublicKey,
              onApplied: async (applied) => {
                await slackDelivery?.onApplied(applied);
              },
            }),
          ]
        : []),
      ...(slack?.routes ? [slack.routes] : []),
    ],
  });
  for (const line of banner(config, port, publicUrl, mailer)) logger.info(line);
  const slackLine = describeSlackStart(slackStart, { publicUrl, missing: config.slack.missing });
  logger[slackLine.level](slackLine.text);
  if (cliSocket) logger.info(describeCliSocket(cliSocket));

  let stopping: Promise<void> | undefined;
  return {
    url: `http://${config.host === "0.0.0.0" ? "localhost" : config.host}:${port}`,
    port,
    stop() {
      stopping ??= (async () => {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          if ("closeIdleConnections" in server) server.closeIdleConnections();
        });
        await worker.stop();
        await auditPoster?.stop();
        await slack?.stop();
        await handle.close();
        logger.info("Passdesk stopped");
      })();
      return stopping;
    },
  };
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
