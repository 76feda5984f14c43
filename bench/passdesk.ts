import { type ChildServer, freePort, PASSDESK_BUILD, startChildServer } from "./processes.ts";

/** The Slack app the bench's Passdesk runs as (its Web API is the fake Slack). */
export const BENCH_SLACK = {
  signingSecret: "5b1c0ad1e5b94c7f8a2d6e0b9c4f7a99",
  botToken: "xoxb-1111-2222-PassdeskBenchBotToken",
  teamId: "T0BENCH",
  admin: "U0BENCHADMIN",
} as const;

export interface BenchPassdeskOptions {
  databaseUrl: string;
  /** Without it, no SENDGRID_API_KEY: Passdesk sends through its console mailer. */
  sendGridUrl?: string;
  slackApiUrl: string;
  logLevel?: string;
  nodeArgs?: string[];
  /** More environment (the URL of an organisation's own user store, say). */
  env?: Record<string, string>;
}

/**
 * Passdesk as `npm start` runs it (dist/main.js, built by bench/run.ts), in its own process: PostgreSQL, SendGrid and Slack on
 * (both fakes on 127.0.0.1), one trusted proxy so load can vary the client IP, default limits.
 */
export async function startBenchPassdesk(options: BenchPassdeskOptions): Promise<ChildServer> {
  const port = await freePort();
  return startChildServer({
    name: "passdesk",
    script: PASSDESK_BUILD,
    typescript: false,
    port,
    readyPath: "/readyz",
    ...(options.nodeArgs && { nodeArgs: options.nodeArgs }),
    env: {
      DATABASE_URL: options.databaseUrl,
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      LOG_LEVEL: options.logLevel ?? "warn",
      TRUST_PROXY: "1",
      ...(options.sendGridUrl && {
        SENDGRID_API_KEY: "SG.bench-key",
        SENDGRID_API_URL: options.sendGridUrl,
      }),
      SLACK_SIGNING_SECRET: BENCH_SLACK.signingSecret,
      SLACK_BOT_TOKEN: BENCH_SLACK.botToken,
      SLACK_API_URL: options.slackApiUrl,
      SLACK_ADMIN_USERS: BENCH_SLACK.admin,
      ...options.env,
    },
  });
}
