import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { emailOutbox, users } from "../../src/db/schema.ts";
import { testHasher } from "../support/reset-fixture.ts";
import { openResetForm, submitResetForm } from "../support/reset-page-client.ts";
import type { ServerProcess } from "../support/server-process.ts";
import { sleep, waitFor } from "../support/wait-for.ts";
import { faultBackend } from "./support/backend.ts";
import { writeFaultReport } from "./support/fault-report.ts";
import { mapConcurrently } from "./support/map-concurrently.ts";
import { inspectLink, postChangePassword, resetLinkIn } from "./support/reset-api.ts";
import { numberedEmails } from "./support/seed-users.ts";
import { type SendGridRig, startSendGridRig } from "./support/sendgrid-rig.ts";
import { watchSendGrid } from "./support/sendgrid-timeline.ts";
import { logLines, unknownOutcomesByRef } from "./support/server-log.ts";

const USERS = numberedEmails("crash", 150);
const SENDGRID_DELAY_MILLIS = 300;
// The lease must outlast a live send (timeout plus bookkeeping), or a slow sender is overtaken
// and its email sent twice without any crash: see docs/reliability.md.
const LEASE_SECONDS = 4;
const TIMEOUT_MILLIS = 1_000;
const SETTLE_MILLIS = 2_000;

type SubmitOutcome = "changed" | "used" | "revoked" | "other";

describe(`SIGKILL mid-drain and restart (${faultBackend})`, () => {
  let rig: SendGridRig;
  let server: ServerProcess | undefined;

  beforeAll(async () => {
    rig = await startSendGridRig(faultBackend, { users: USERS });
  });
  afterAll(() => rig?.close());

  function start() {
    return rig.startServer({
      SENDGRID_API_KEY: "SG.fault-crash",
      SENDGRID_TIMEOUT_MILLIS: String(TIMEOUT_MILLIS),
      EMAIL_SEND_LEASE_SECONDS: String(LEASE_SECONDS),
    });
  }

  async function submit(baseUrl: string, link: string, form: { cookie: string; csrf: string }) {
    const ticket = new URL(link, baseUrl).searchParams.get("ticket") ?? "";
    const password = `quiet orchards ${ticket.slice(0, 8)} glow amber`;
    const response = await submitResetForm(`${baseUrl}/lo/reset`, { ...form, ticket }, password);
    const html = await response.text();
    const outcome: SubmitOutcome =
      response.status === 200 && html.includes("You can now log in")
        ? "changed"
        : html.includes("This ticket was already used.")
          ? "used"
          : html.includes("This link is no longer valid.")
            ? "revoked"
            : "other";
    return { outcome, password };
  }

  it("loses no email and lets no ticket be used twice", { timeout: 150_000 }, async () => {
    const startedAt = Date.now();
    const timeline = watchSendGrid(rig.sendgrid);
    rig.sendgrid.delayResponses(SENDGRID_DELAY_MILLIS);
    server = await start();
    const statuses = await mapConcurrently(
      USERS,
      16,
      async (email) => (await postChangePassword(server?.baseUrl ?? "", email)).status,
    );
    expect(statuses.every((status) => status === 200)).toBe(true);

    // Mid-drain: some emails accepted, a full set of sends waiting on the slow provider.
    const unanswered = () => timeline.entries().filter((r) => r.request.status === null).length;
    await waitFor(
      () => rig.sendgrid.sentEmails().length >= 30 && unanswered() >= 10,
      60_000,
      "the drain to be under way",
    );
    const acceptedAtKill = rig.sendgrid.sentEmails().length;
    const inFlightAtKill = unanswered();
    const killed = server;
    expect(await killed.stop("SIGKILL")).toBeNull();
    const killedAt = Date.now();

    // Rows still leased by the dead process: the emails the crash itself can send twice.
    const { handle } = await rig.database.open();
    const leasedRefs = new Set(
      (await handle.db.select().from(emailOutbox).where(eq(emailOutbox.status, "sending"))).map(
        (row) => row.messageRef,
      ),
    );
    const leasedAtKill = leasedRefs.size;
    await handle.close();
    // The provider still answers the dead process's requests: those emails are delivered too.
    await sleep(SENDGRID_DELAY_MILLIS + 200);
    rig.sendgrid.recover();

    const restartedAt = Date.now();
    server = await start();
    const baseUrl = server.baseUrl;
    const recipients = () => new Set(rig.sendgrid.sentEmails().flatMap((email) => email.to));
    await waitFor(() => recipients().size === USERS.length, 60_000, "every user's email");
    const drainedAt = Date.now();
    // Settled: every lease the dead process held has expired and been retried, and the provider
    // has been quiet for a while with nothing left unanswered.
    const settled = () => {
      const requests = timeline.entries();
      const lastArrival = Math.max(...requests.map((r) => r.arrivedAt));
      const now = Date.now();
      return (
        requests.every((r) => r.request.status !== null) &&
        now > killedAt + LEASE_SECONDS * 1000 + SETTLE_MILLIS &&
        now > lastArrival + SETTLE_MILLIS
      );
    };
    await waitFor(settled, 60_000, "the outbox to settle", 250);
    timeline.stop();

    const accepted = rig.sendgrid.sentEmails();
    const duplicates = accepted.length - USERS.length;
    expect(accepted.every((email) => email.to.length === 1)).toBe(true);
    // An email goes out twice only if the dead process held it (once from it, once after the
    // restart) or a send of it timed out (a busy process may not read a 202 in time).
    const unknown = unknownOutcomesByRef([...logLines(killed), ...logLines(server)]);
    const deliveries = new Map<string, number>();
    for (const email of accepted) {
      const ref = email.customArgs.passdesk_ref ?? "";
      deliveries.set(ref, (deliveries.get(ref) ?? 0) + 1);
    }
    for (const [ref, count] of deliveries) {
      const allowed = 1 + (leasedRefs.has(ref) ? 1 : 0) + (unknown.get(ref) ?? 0);
      expect(count, ref).toBeLessThanOrEqual(allowed);
    }
    const timeouts = [...unknown.values()].reduce((sum, n) => sum + n, 0);
    expect(duplicates).toBeLessThanOrEqual(leasedAtKill + timeouts);

    const linksByUser = new Map<string, string[]>();
    for (const email of accepted) {
      const to = email.to[0] ?? "";
      linksByUser.set(to, [...(linksByUser.get(to) ?? []), resetLinkIn(email.text)]);
    }
    // Every delivered link is used twice: the user's newest works once, then reads "used";
    // older links (from duplicates) read as revoked both times and change nothing.
    const perUser = await mapConcurrently([...linksByUser], 4, async ([email, links]) => {
      const states = await Promise.all(links.map((link) => inspectLink(baseUrl, link)));
      const valid = links.filter((_, i) => states[i] === "valid");
      expect(valid, email).toHaveLength(1);
      const form = await openResetForm(`${baseUrl}${valid[0]}`);
      const outcomes: SubmitOutcome[] = [];
      let newPassword = "";
      for (const link of links) {
        for (const attempt of [1, 2]) {
          const { outcome, password } = await submit(baseUrl, link, form);
          if (outcome === "changed") newPassword = password;
          outcomes.push(outcome);
          expect(outcome, `${email} link ${link.slice(-6)} attempt ${attempt}`).not.toBe("other");
        }
      }
      return { email, outcomes, newPassword };
    });
    const all = perUser.flatMap((user) => user.outcomes);
    for (const user of perUser) {
      expect(
        user.outcomes.filter((o) => o === "changed"),
        user.email,
      ).toHaveLength(1);
      expect(
        user.outcomes.filter((o) => o === "used"),
        user.email,
      ).toHaveLength(1);
    }
    expect(all.filter((o) => o === "revoked")).toHaveLength(2 * duplicates);

    expect(await server.stop("SIGTERM")).toBe(0);
    const check = await rig.database.open();
    const sample = perUser.slice(0, 10);
    for (const user of sample) {
      const [row] = await check.handle.db.select().from(users).where(eq(users.email, user.email));
      expect(await testHasher.verify(row?.passwordHash ?? "", user.newPassword)).toBe(true);
    }
    await check.handle.close();

    writeFaultReport("crash", {
      backend: faultBackend,
      users: USERS.length,
      sendgridDelayMillis: SENDGRID_DELAY_MILLIS,
      leaseSeconds: LEASE_SECONDS,
      acceptedBeforeKill: acceptedAtKill,
      providerRequestsInFlightAtKill: inFlightAtKill,
      outboxRowsLeasedAtKill: leasedAtKill,
      clientTimeoutsLogged: timeouts,
      acceptedEmails: accepted.length,
      usersReached: recipients().size,
      duplicates,
      linkSubmissions: all.length,
      passwordsChanged: all.filter((o) => o === "changed").length,
      answeredAlreadyUsed: all.filter((o) => o === "used").length,
      answeredRevoked: all.filter((o) => o === "revoked").length,
      lastUserReachedMillisAfterRestart: drainedAt - restartedAt,
      runSeconds: Math.round((Date.now() - startedAt) / 1000),
    });
  });
});
