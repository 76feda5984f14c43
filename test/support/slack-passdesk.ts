import { Writable } from "node:stream";
import pino from "pino";
import type { Clock } from "../../src/clock.ts";
import type { Database, DatabaseHandle } from "../../src/db/client.ts";
import type { Repository } from "../../src/db/stores.ts";
import type { OutgoingEmail } from "../../src/email/mailer.ts";
import { type RunningPassdesk, type StartOptions, startPassdesk } from "../../src/main.ts";
import type { PasswordHasher } from "../../src/passwords/hasher.ts";
import type { BackendName } from "./database.ts";
import {
  type FakeSlack,
  type FakeSlackUser,
  type RecordedCall,
  startFakeSlack,
} from "./fake-slack.ts";
import { createMemoryMailer } from "./memory-mailer.ts";
import { startTestPassdesk, type TestPassdesk } from "./passdesk.ts";
import {
  blockActionsPayload,
  createSignedRequest,
  interactivityBody,
  slashCommandBody,
  type ViewSubmissionPayload,
  viewSubmissionPayload,
} from "./slack-requests.ts";

/** The Slack credentials every Slack test Passdesk runs with: tests check none of them leaks. */
export const SLACK = {
  signingSecret: "3f1c0ad1e5b94c7f8a2d6e0b9c4f7a13",
  botToken: "xoxb-1111-2222-PassdeskTestBotToken",
  teamId: "T0001",
  auditChannel: "C0AUDIT",
} as const;

/** Staff: an admin from SLACK_ADMIN_USERS, support staff granted in the database, and nobody. */
export const STAFF = { admin: "U0ADMIN", support: "U0SUPPORT", nobody: "U0NOBODY" } as const;

/** Real time plus an offset a test can move forward: the audit poster's retries become due. */
export interface OffsetClock extends Clock {
  advance(millis: number): void;
}

export function createOffsetClock(): OffsetClock {
  let offsetMillis = 0;
  return {
    now: () => new Date(Date.now() + offsetMillis),
    advance(millis) {
      offsetMillis += millis;
    },
  };
}

export interface SlackPassdeskOptions {
  env?: Record<string, string>;
  seed?: (repo: Repository) => Promise<void>;
  /** Seeded in the fake Slack directory, for `@user` targets. */
  slackUsers?: FakeSlackUser[];
  /** Send emails through SENDGRID_* from `env` instead of keeping them in memory. */
  realMailer?: boolean;
  /** Instead of argon2 with cheap parameters (the process-wide bound still wraps it). */
  hasher?: PasswordHasher;
  auditAnchorCheckMillis?: number;
  revealExpiryIntervalMillis?: number;
  approvalExpiryIntervalMillis?: number;
}

export interface CommandResult {
  response: Response;
  /** The ack's body: empty when the listener answers through response_url. */
  ackBody: string;
  /** The text posted to the command's response_url, and its response_type. */
  reply(): Promise<{ text: string; response_type?: string }>;
}

export interface SlackPassdesk {
  /** Where Passdesk listens now (an inspection on PGlite restarts it at a new port). */
  readonly url: string;
  /** Its config and database; its own `url` is stale after an inspection on PGlite. */
  readonly passdesk: TestPassdesk;
  fake: FakeSlack;
  clock: OffsetClock;
  /** Every log line Passdesk (and Bolt through it) wrote, at trace level. */
  logLines: string[];
  /** Emails sent, unless `realMailer` was asked for. */
  emails: OutgoingEmail[];
  waitForEmail(to: string, subject?: RegExp): Promise<OutgoingEmail>;
  /** chat.postMessage calls to the audit channel that Slack accepted, oldest first. */
  auditMessages(): RecordedCall[];
  waitForAuditMessage(text: string | RegExp, timeoutMillis?: number): Promise<RecordedCall>;
  /** POSTs a body to /slack/events, signed with the signing secret unless told otherwise. */
  send(
    body: string,
    options?: { secret?: string; timestampSeconds?: number; headers?: Record<string, string> },
  ): Promise<Response>;
  command(
    userId: string,
    command: string,
    text: string,
    triggerId?: string,
  ): Promise<CommandResult>;
  /** Sends a view_submission and returns the ack's JSON (or null when the ack was empty). */
  submitView(
    payload: Parameters<typeof viewSubmissionPayload>[0],
  ): Promise<{ response: Response; body: Record<string, unknown> | null; raw: string }>;
  sendPayload(payload: object): Promise<Response>;
  action(action: Parameters<typeof blockActionsPayload>[0]): Promise<Response>;
  /**
   * Runs `work` on the database. PGlite serves one handle at a time, so there the server is
   * stopped for the inspection and restarted on the same data afterwards (at a new port).
   */
  inspect<T>(
    work: (repo: Repository, db: Database, handle: DatabaseHandle) => Promise<T>,
  ): Promise<T>;
  close(): Promise<void>;
}

/** A real Passdesk with Slack on, its Web API pointed to a fake Slack, on a fresh database. */
export async function startSlackPassdesk(
  backend: BackendName,
  options: SlackPassdeskOptions = {},
): Promise<SlackPassdesk> {
  const fake = await startFakeSlack({ teamId: SLACK.teamId, users: options.slackUsers ?? [] });
  const clock = createOffsetClock();
  const log = createRecordingLogger();
  const mailer = createMemoryMailer();
  const startOptions: StartOptions = {
    ...(!options.realMailer && { mailer }),
    ...(options.hasher && { hasher: options.hasher }),
    logger: log.logger,
    clock,
    argon2: { memoryCost: 1024, timeCost: 1, parallelism: 1 },
    workerPollIntervalMillis: 50,
    ...(options.auditAnchorCheckMillis && {
      auditAnchorCheckMillis: options.auditAnchorCheckMillis,
    }),
    ...(options.revealExpiryIntervalMillis && {
      revealExpiryIntervalMillis: options.revealExpiryIntervalMillis,
    }),
    ...(options.approvalExpiryIntervalMillis && {
      approvalExpiryIntervalMillis: options.approvalExpiryIntervalMillis,
    }),
  };
  const passdesk = await startTestPassdesk(
    backend,
    {
      SLACK_SIGNING_SECRET: SLACK.signingSecret,
      SLACK_BOT_TOKEN: SLACK.botToken,
      SLACK_API_URL: fake.url,
      SLACK_ADMIN_USERS: STAFF.admin,
      SLACK_AUDIT_CHANNEL: SLACK.auditChannel,
      ...options.env,
    },
    {
      ...startOptions,
      async seed(repo) {
        await repo.roles.grant({
          teamId: SLACK.teamId,
          slackUserId: STAFF.support,
          role: "support",
          grantedBy: null,
        });
        await options.seed?.(repo);
      },
    },
  );
  let running: RunningPassdesk = passdesk;
  let sequence = 0;

  const send: SlackPassdesk["send"] = (body, sendOptions = {}) => {
    const request = createSignedRequest(
      body,
      sendOptions.secret ?? SLACK.signingSecret,
      sendOptions.timestampSeconds ?? Math.floor(clock.now().getTime() / 1000),
    );
    return fetch(`${running.url}/slack/events`, {
      ...request,
      headers: { ...request.headers, ...sendOptions.headers },
    });
  };
  const sendPayload = (payload: object) => send(interactivityBody(payload));

  return {
    get url() {
      return running.url;
    },
    passdesk,
    fake,
    clock,
    logLines: log.lines,
    emails: mailer.sent,
    async waitForEmail(to, subject = /./) {
      const deadline = Date.now() + 10_000;
      for (;;) {
        const found = mailer.sent.find((email) => email.to === to && subject.test(email.subject));
        if (found) return found;
        if (Date.now() > deadline) throw new Error(`no email to ${to} matching ${subject}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    auditMessages: () => fake.calls("chat.postMessage").filter(isAuditMessage),
    waitForAuditMessage: (text, timeoutMillis = 8_000) =>
      fake.waitForCall(
        "chat.postMessage",
        (call) =>
          isAuditMessage(call) &&
          (typeof text === "string"
            ? String(call.args.text).includes(text)
            : text.test(String(call.args.text))),
        timeoutMillis,
      ),
    send,
    sendPayload,
    async command(userId, command, text, triggerId) {
      sequence += 1;
      const id = `command-${sequence}`;
      const body = slashCommandBody({
        command,
        text,
        userId,
        teamId: SLACK.teamId,
        responseUrl: fake.responseUrl(id),
        ...(triggerId && { triggerId }),
      });
      const response = await send(body);
      const ackBody = await response.text();
      return {
        response,
        ackBody,
        async reply() {
          const posted = await fake.waitForResponse(id);
          return posted.body as { text: string; response_type?: string };
        },
      };
    },
    async submitView(submission) {
      const payload: ViewSubmissionPayload = viewSubmissionPayload(submission);
      const response = await sendPayload(payload);
      const raw = await response.text();
      return {
        response,
        raw,
        body: raw === "" ? null : (JSON.parse(raw) as Record<string, unknown>),
      };
    },
    action: (action) => sendPayload(blockActionsPayload(action)),
    async inspect(work) {
      if (backend === "postgres") {
        const { handle, repo } = await passdesk.database.open();
        try {
          return await work(repo, handle.db, handle);
        } finally {
          await handle.close();
        }
      }
      await running.stop();
      try {
        const { handle, repo } = await passdesk.database.open();
        try {
          return await work(repo, handle.db, handle);
        } finally {
          await handle.close();
        }
      } finally {
        running = await startPassdesk(passdesk.config, startOptions);
      }
    },
    async close() {
      await running.stop();
      await passdesk.database.drop();
      await fake.close();
    },
  };
}

function isAuditMessage(call: RecordedCall): boolean {
  return call.args.channel === SLACK.auditChannel && call.response?.ok === true;
}

/** A trace-level pino logger that keeps every line it writes. */
export function createRecordingLogger() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(...String(chunk).split("\n").filter(Boolean));
      done();
    },
  });
  return { logger: pino({ level: "trace" }, stream), lines };
}
