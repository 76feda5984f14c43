import { readFileSync } from "node:fs";
import { and, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyAuditChain } from "../../src/audit/chain.ts";
import { migrationsFolder } from "../../src/db/migrate.ts";
import { auditLog, connections, emailOutbox, users } from "../../src/db/schema.ts";
import { testHasher } from "../support/reset-fixture.ts";
import { openResetForm, submitResetForm } from "../support/reset-page-client.ts";
import type { ServerProcess } from "../support/server-process.ts";
import { sleep } from "../support/wait-for.ts";
import { writeFaultReport } from "./support/fault-report.ts";
import { mapConcurrently } from "./support/map-concurrently.ts";
import { postChangePassword, resetLinkIn } from "./support/reset-api.ts";
import { numberedEmails, seedUsers } from "./support/seed-users.ts";
import { type SendGridRig, startSendGridRig } from "./support/sendgrid-rig.ts";

const USERS = numberedEmails("trio", 150);
const RACED_TICKETS = 10;
const PER_EMAIL_BURST = 10;
const MIGRATIONS = (
  JSON.parse(readFileSync(`${migrationsFolder}/meta/_journal.json`, "utf8")) as {
    entries: unknown[];
  }
).entries.length;

describe.skipIf(!process.env.TEST_DATABASE_URL)("three instances on one PostgreSQL", () => {
  let rig: SendGridRig;
  let instances: ServerProcess[] = [];

  beforeAll(async () => {
    rig = await startSendGridRig("postgres");
    // Slow enough that the three workers' sends overlap.
    rig.sendgrid.delayResponses(150);
  });
  afterAll(() => rig?.close());

  /** The simple load balancer: request `i` goes to instance `i mod 3`. */
  const urlFor = (i: number) => instances[i % instances.length]?.baseUrl ?? "";

  it("migrates once, sends each email once, consumes each ticket once and limits globally", {
    timeout: 150_000,
  }, async () => {
    const startedAt = Date.now();
    // Started at the same moment on an empty database: all three race to migrate it.
    instances = await Promise.all(
      [0, 1, 2].map(() =>
        rig.startServer({
          SENDGRID_API_KEY: "SG.fault-trio",
          RATE_LIMIT_PER_EMAIL_BURST: String(PER_EMAIL_BURST),
        }),
      ),
    );
    const { handle, repo } = await rig.database.open();
    try {
      const applied = (await handle.db.execute(
        sql`select count(*)::int as count from drizzle.__drizzle_migrations`,
      )) as unknown as Array<{ count: number }>;
      expect(applied[0]?.count).toBe(MIGRATIONS);
      expect(await handle.db.select().from(connections)).toHaveLength(1);
      await seedUsers(repo, USERS);

      // Each reset email is sent once, whichever instance took the request or ran the worker.
      const statuses = await Promise.all(
        USERS.map(async (email, i) => (await postChangePassword(urlFor(i), email)).status),
      );
      expect(statuses.every((status) => status === 200)).toBe(true);
      await rig.sendgrid.waitForEmails(USERS.length, 60_000);
      await sleep(3_000); // time for a double send to show up, were there one
      const accepted = rig.sendgrid.sentEmails();
      expect(accepted.map((email) => email.to.join()).sort()).toEqual([...USERS].sort());
      const outbox = await handle.db.select().from(emailOutbox);
      expect(outbox.every((row) => row.status === "sent" && row.attempts === 1)).toBe(true);

      // The same link submitted to all three instances at once changes the password once.
      const raced = await mapConcurrently(accepted.slice(0, RACED_TICKETS), 2, async (email) => {
        const link = resetLinkIn(email.text);
        const form = await openResetForm(`${urlFor(0)}${link}`);
        const outcomes = await Promise.all(
          [0, 1, 2].map(async (i) => {
            const password = `racing instance ${i} quietly`;
            const response = await submitResetForm(`${urlFor(i)}/lo/reset`, form, password);
            const html = await response.text();
            const changed = response.status === 200 && html.includes("You can now log in");
            return { password, changed, used: html.includes("This ticket was already used.") };
          }),
        );
        return { email: email.to[0] ?? "", outcomes };
      });
      for (const { email, outcomes } of raced) {
        expect(
          outcomes.filter((outcome) => outcome.changed),
          email,
        ).toHaveLength(1);
        expect(
          outcomes.filter((outcome) => outcome.used),
          email,
        ).toHaveLength(2);
        const winner = outcomes.find((outcome) => outcome.changed);
        const [user] = await handle.db.select().from(users).where(eq(users.email, email));
        expect(await testHasher.verify(user?.passwordHash ?? "", winner?.password ?? "")).toBe(
          true,
        );
        const completed = await handle.db
          .select()
          .from(auditLog)
          .where(
            and(eq(auditLog.action, "password_reset.completed"), eq(auditLog.targetEmail, email)),
          );
        expect(completed).toHaveLength(1);
      }

      // Rate limits live in the database: the 11th request for one IP+email is refused,
      // whichever instance it reaches, and a burst spread over all three lets exactly 10 through.
      const sequential: number[] = [];
      for (let i = 0; i <= PER_EMAIL_BURST; i++) {
        sequential.push((await postChangePassword(urlFor(i), "limited@example.org")).status);
      }
      expect(sequential).toEqual([...Array(PER_EMAIL_BURST).fill(200), 429]);
      const bursts = await Promise.all(
        ["burst-a@example.org", "burst-b@example.org", "burst-c@example.org"].map((email) =>
          Promise.all(
            Array.from(
              { length: 15 },
              async (_, i) => (await postChangePassword(urlFor(i), email)).status,
            ),
          ),
        ),
      );
      for (const burst of bursts) {
        expect(burst.filter((status) => status === 200)).toHaveLength(PER_EMAIL_BURST);
        expect(burst.filter((status) => status === 429)).toHaveLength(15 - PER_EMAIL_BURST);
      }

      // Three instances appended to one audit chain at once: it is whole, in order, unbroken.
      const chain = await verifyAuditChain(repo.auditChain);
      expect(chain.broken).toBeUndefined();
      expect(chain.beforeChain).toBe(0);
      // The instances may still be auditing the last requests: count up to the head verified.
      const [entries] = await handle.query<{ count: string }>(
        "select count(*)::text as count from audit_log where id <= $1",
        [chain.head?.id ?? 0],
      );
      expect(chain.checked).toBe(Number(entries?.count));

      writeFaultReport("three-instances", {
        instances: instances.length,
        migrationsApplied: MIGRATIONS,
        defaultConnections: 1,
        resetRequests: USERS.length,
        emailsAccepted: accepted.length,
        outboxRowsSentOnFirstAttempt: outbox.filter((row) => row.attempts === 1).length,
        ticketsRaced: raced.length,
        submissionsPerTicket: 3,
        passwordsChanged: raced.flatMap((r) => r.outcomes).filter((o) => o.changed).length,
        answeredAlreadyUsed: raced.flatMap((r) => r.outcomes).filter((o) => o.used).length,
        sequentialStatuses: sequential,
        burstsOf15Allowed: bursts.map((burst) => burst.filter((status) => status === 200).length),
        auditEntriesChained: chain.checked,
        auditChainIntact: !chain.broken,
        runSeconds: Math.round((Date.now() - startedAt) / 1000),
      });
    } finally {
      await handle.close();
    }
  });
});
