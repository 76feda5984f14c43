import { openDatabase } from "../src/db/client.ts";
import { createRepository } from "../src/db/stores.ts";
import { createSendGridMailer } from "../src/email/sendgrid-mailer.ts";
import { createOpaqueId } from "../src/password-reset/tokens.ts";
import type { FakeSendGrid } from "../test/support/fake-sendgrid.ts";
import { type BenchDatabase, DEFAULT_CONNECTION, emailsFor, seedUsers } from "./database.ts";
import { figure, type SectionResult } from "./report-types.ts";

export interface DrainOptions {
  database: BenchDatabase;
  fakeSendGrid: FakeSendGrid;
  passwordHash: string;
  emails: number;
  log(line: string): void;
  /** Makes the users the emails go to (Passdesk's own by default); returns their ids. */
  users?: (addresses: string[]) => Promise<number[]>;
  /** The addresses' prefix (distinct per variant, as each counts its own rows). */
  prefix?: string;
}

const PROVIDER_DELAY_MILLIS = 100;
/** The worker's default `maxConcurrentSends`. */
const SENDS_IN_FLIGHT = 32;

const sleep = (millis: number) => new Promise((resolve) => setTimeout(resolve, millis));

/** Polls the fake until it has accepted `count` more emails; returns when each quarter was reached. */
async function waitForAccepted(
  fake: FakeSendGrid,
  before: number,
  count: number,
  timeoutMillis: number,
) {
  const started = performance.now();
  let firstAt: number | undefined;
  for (;;) {
    const accepted = fake.sentEmails().length - before;
    if (accepted > 0 && firstAt === undefined) firstAt = performance.now();
    if (accepted >= count)
      return { firstAt: firstAt ?? performance.now(), lastAt: performance.now() };
    if (performance.now() - started > timeoutMillis) {
      throw new Error(`only ${accepted} of ${count} emails accepted after ${timeoutMillis} ms`);
    }
    await sleep(5);
  }
}

/**
 * The floor: the same SendGrid client sending to the same fake, 32 at a time, with nothing
 * else — no outbox, no ticket, no template, no audit.
 */
async function measureMailerFloor(fake: FakeSendGrid, count: number): Promise<number> {
  const mailer = createSendGridMailer({
    apiKey: "SG.bench-key",
    apiUrl: fake.url,
    timeoutMillis: 10_000,
  });
  let next = 0;
  const started = performance.now();
  const lane = async () => {
    while (next < count) {
      next += 1;
      await mailer.send({
        to: `floor-${next}@bench.example`,
        from: "Passdesk <no-reply@passdesk.local>",
        subject: "Reset your password",
        text: "Follow this link to reset your password.",
        html: "<p>Follow this link to reset your password.</p>",
        ref: createOpaqueId("msg"),
      });
    }
  };
  await Promise.all(Array.from({ length: SENDS_IN_FLIGHT }, lane));
  return count / ((performance.now() - started) / 1000);
}

/**
 * One `change_password` outbox row per user, all committed by one statement, as many resolved
 * requests would leave them. Returns when the commit was (performance.now() and epoch time).
 */
export async function enqueueResetEmails(
  databaseUrl: string,
  userIds: number[],
  addresses: string[],
): Promise<{ committedAt: number; committedAtEpochMillis: number }> {
  const handle = await openDatabase({ databaseUrl, pgliteDataDir: "memory://" });
  try {
    await createRepository(handle).outbox.enqueueAll(
      userIds.map((userId, index) => ({
        messageRef: createOpaqueId("msg"),
        kind: "change_password" as const,
        requestId: null,
        userId,
        toAddress: addresses[index] as string,
      })),
      new Date(),
    );
    return { committedAt: performance.now(), committedAtEpochMillis: Date.now() };
  } finally {
    await handle.close();
  }
}

/**
 * Section 3: `emails` outbox rows committed at once (as many resolved requests would leave
 * them), then timed until the fake SendGrid, answering after 100 ms, has accepted them all.
 */
export async function benchDrain(options: DrainOptions): Promise<SectionResult> {
  const { database, fakeSendGrid: fake, emails } = options;
  const prefix = options.prefix ?? "drain-";
  const addresses = emailsFor(prefix, emails);
  const userIds = options.users
    ? await options.users(addresses)
    : await seedUsers(database.sql, DEFAULT_CONNECTION, addresses, options.passwordHash);
  fake.delayResponses(PROVIDER_DELAY_MILLIS);
  try {
    const floorRate = await measureMailerFloor(fake, Math.min(emails, 1000));
    options.log(
      `  floor (mailer alone, ${SENDS_IN_FLIGHT} in flight): ${floorRate.toFixed(0)} emails/s`,
    );

    const before = fake.sentEmails().length;
    const { committedAt } = await enqueueResetEmails(database.url, userIds, addresses);
    const { firstAt, lastAt } = await waitForAccepted(
      fake,
      before,
      emails,
      Number(process.env.BENCH_DRAIN_TIMEOUT_MILLIS ?? 120_000),
    );
    const rate = emails / ((lastAt - committedAt) / 1000);
    const steadyRate = (emails - 1) / ((lastAt - firstAt) / 1000);
    const statuses = await database.sql<{ status: string; count: string }[]>`
      select status, count(*) from email_outbox where to_address like ${`${prefix}%`} group by status`;
    options.log(
      `  ${emails} emails in ${((lastAt - committedAt) / 1000).toFixed(2)} s: ${rate.toFixed(0)}/s (first send ${(firstAt - committedAt).toFixed(0)} ms after commit)`,
    );
    const section = "3 outbox drain";
    return {
      figures: [
        figure({
          section,
          measure: "emails/s, provider answers in 100 ms",
          unit: "emails/s",
          value: rate,
          floor: floorRate,
          floorLabel: `mailer alone, ${SENDS_IN_FLIGHT} in flight`,
          target: "≥ 280/s",
          met: rate >= 280,
        }),
      ],
      details: {
        emails,
        providerDelayMillis: PROVIDER_DELAY_MILLIS,
        sendsInFlight: SENDS_IN_FLIGHT,
        ceilingEmailsPerSecond: (SENDS_IN_FLIGHT * 1000) / PROVIDER_DELAY_MILLIS,
        drainSeconds: (lastAt - committedAt) / 1000,
        firstSendAfterCommitMillis: firstAt - committedAt,
        emailsPerSecond: rate,
        steadyEmailsPerSecond: steadyRate,
        mailerFloorEmailsPerSecond: floorRate,
        outboxStatuses: Object.fromEntries(statuses.map((row) => [row.status, Number(row.count)])),
      },
      notes: [],
    };
  } finally {
    fake.delayResponses(0);
  }
}
