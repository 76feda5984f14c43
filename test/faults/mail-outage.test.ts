import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { emailOutbox, resetRequests } from "../../src/db/schema.ts";
import type { ServerProcess } from "../support/server-process.ts";
import { sleep, waitFor } from "../support/wait-for.ts";
import { faultBackend } from "./support/backend.ts";
import { writeFaultReport } from "./support/fault-report.ts";
import { mapConcurrently } from "./support/map-concurrently.ts";
import { inspectLink, postChangePassword, resetLinkIn } from "./support/reset-api.ts";
import { numberedEmails } from "./support/seed-users.ts";
import { type SendGridRig, startSendGridRig } from "./support/sendgrid-rig.ts";
import { type SendGridTimeline, watchSendGrid } from "./support/sendgrid-timeline.ts";
import { logLines, unknownOutcomesByRef } from "./support/server-log.ts";

const USERS = numberedEmails("outage", 500);
const TIMEOUT_MILLIS = 400;
const RETRY_AFTER_SECONDS = 3;
const LATE_ACCEPT_MILLIS = 1_500;
/** Each phase lasts at least this long, and until enough requests met it (the machine may be slow). */
const PHASE_MIN_MILLIS = 1_000;
const PHASE_REQUESTS = { error500: 60, rateLimited429: 40, hang: 15, acceptAfterTimeout: 15 };
const REQUEST_SPREAD_MILLIS = 4_000;
/** Quiet time after the last due retry and the last request before the outbox counts as drained. */
const SETTLE_MILLIS = 3_000;

describe(`a SendGrid outage during 500 reset requests (${faultBackend})`, () => {
  let rig: SendGridRig;
  let server: ServerProcess | undefined;

  beforeAll(async () => {
    rig = await startSendGridRig(faultBackend, { users: USERS });
  });
  afterAll(() => rig?.close());

  /**
   * 500, then 429 with Retry-After, then no answer at all, then answers that come only after the
   * client gave up (SendGrid got the email; Passdesk cannot know). Each phase ends once enough
   * requests met it, so every kind of failure is exercised however fast the machine is.
   */
  async function runOutage(timeline: SendGridTimeline): Promise<Record<string, number>> {
    const phases: Array<[keyof typeof PHASE_REQUESTS, () => void]> = [
      ["error500", () => rig.sendgrid.failWith(500)],
      [
        "rateLimited429",
        () => rig.sendgrid.failWith(429, { retryAfter: String(RETRY_AFTER_SECONDS) }),
      ],
      ["hang", () => rig.sendgrid.hang()],
      [
        "acceptAfterTimeout",
        () => {
          rig.sendgrid.recover();
          rig.sendgrid.delayResponses(LATE_ACCEPT_MILLIS);
        },
      ],
    ];
    const durations: Record<string, number> = {};
    for (const [name, enter] of phases) {
      const started = Date.now();
      const before = timeline.count();
      enter();
      await sleep(PHASE_MIN_MILLIS);
      await waitFor(
        () => timeline.count() - before >= PHASE_REQUESTS[name],
        30_000,
        `${PHASE_REQUESTS[name]} requests in the ${name} phase`,
      );
      durations[name] = Date.now() - started;
    }
    rig.sendgrid.recover();
    return durations;
  }

  it("delivers every email after recovery, duplicating only where a timeout hid the outcome", {
    timeout: 120_000,
  }, async () => {
    const startedAt = Date.now();
    server = await rig.startServer({
      SENDGRID_API_KEY: "SG.fault-outage",
      SENDGRID_TIMEOUT_MILLIS: String(TIMEOUT_MILLIS),
    });
    const baseUrl = server.baseUrl;
    const timeline = watchSendGrid(rig.sendgrid);

    const outageStartedAt = Date.now();
    const outage = runOutage(timeline);
    const statuses = await Promise.all(
      USERS.map(async (email, i) => {
        await sleep((i * REQUEST_SPREAD_MILLIS) / USERS.length);
        return (await postChangePassword(baseUrl, email)).status;
      }),
    );
    const phaseMillis = await outage;
    const recoveredAt = Date.now();
    expect(statuses.filter((status) => status === 200)).toHaveLength(USERS.length);

    const recipients = () => new Set(rig.sendgrid.sentEmails().flatMap((email) => email.to));
    await waitFor(() => recipients().size === USERS.length, 75_000, "every user's email");
    const drainedAt = Date.now();
    // A user reached by a late answer still has a retry coming (Passdesk saw a timeout): wait
    // until no retry is due or in flight, and every late answer has landed.
    const settled = () => {
      const now = Date.now();
      const lastRetryDue = Math.max(
        0,
        ...logLines(server as ServerProcess)
          .filter((line) => line.msg === "email send failed; will retry")
          .map((line) => Number(line.time) + Number(line.delayMillis)),
      );
      const quiet = timeline
        .entries()
        .every((r) => r.answeredAt !== undefined || now - r.arrivedAt > LATE_ACCEPT_MILLIS + 500);
      const lastArrival = Math.max(...timeline.entries().map((r) => r.arrivedAt));
      return quiet && now > lastRetryDue + SETTLE_MILLIS && now > lastArrival + SETTLE_MILLIS;
    };
    await waitFor(settled, 75_000, "the outbox to settle", 250);
    timeline.stop();

    const accepted = rig.sendgrid.sentEmails();
    const requests = timeline.entries();
    const lines = logLines(server);
    const unknown = unknownOutcomesByRef(lines);
    const userOfRef = new Map<string, string>();
    const acceptedPerRef = new Map<string, number>();
    for (const email of accepted) {
      const ref = email.customArgs.passdesk_ref ?? "";
      expect(email.to).toHaveLength(1);
      const to = email.to[0] ?? "";
      expect(USERS).toContain(to);
      expect(userOfRef.get(ref) ?? to).toBe(to);
      userOfRef.set(ref, to);
      acceptedPerRef.set(ref, (acceptedPerRef.get(ref) ?? 0) + 1);
    }
    // One outbox email per user, and each ref delivered once unless a send of it timed out.
    expect(new Set(userOfRef.values()).size).toBe(USERS.length);
    expect(acceptedPerRef.size).toBe(USERS.length);
    for (const [ref, count] of acceptedPerRef) {
      expect(count, `email ${ref}`).toBeLessThanOrEqual(1 + (unknown.get(ref) ?? 0));
    }
    const duplicates = accepted.length - USERS.length;
    const clientTimeouts = [...unknown.values()].reduce((sum, count) => sum + count, 0);
    expect(duplicates).toBeLessThanOrEqual(clientTimeouts);

    const answered = (status: number) => requests.filter((r) => r.request.status === status);
    const hung = requests.filter((r) => r.answeredAt === undefined);
    const lateAccepted = answered(202).filter(
      (r) => (r.answeredAt ?? 0) - r.arrivedAt > TIMEOUT_MILLIS,
    );
    // Every kind of failure happened, so each was survived rather than skipped.
    expect(answered(500).length).toBeGreaterThan(0);
    expect(answered(429).length).toBeGreaterThan(0);
    expect(hung.length).toBeGreaterThan(0);
    expect(lateAccepted.length).toBeGreaterThan(0);

    // After a 429 that Passdesk read (a busy process may time out before reading one), its
    // next attempt at that email waits at least as long as SendGrid asked.
    const seen429 = lines.filter(
      (line) =>
        line.msg === "email send failed; will retry" && /answered 429/.test(String(line.reason)),
    );
    expect(seen429.length).toBeGreaterThan(0);
    const retryGapsAfter429 = seen429.flatMap((line) => {
      expect(Number(line.delayMillis)).toBeGreaterThanOrEqual(RETRY_AFTER_SECONDS * 1000);
      const attempts = requests.filter((r) => r.ref === line.messageRef);
      const refused = attempts.findLast(
        (r) => r.request.status === 429 && r.arrivedAt <= Number(line.time),
      );
      const next = refused && attempts.find((r) => r.arrivedAt > refused.arrivedAt);
      return refused && next ? [next.arrivedAt - refused.arrivedAt] : [];
    });
    expect(retryGapsAfter429.length).toBeGreaterThan(0);
    expect(Math.min(...retryGapsAfter429)).toBeGreaterThanOrEqual(RETRY_AFTER_SECONDS * 1000);

    // A duplicate carries a dead link: per user exactly one link works, every other is revoked.
    const linksByUser = new Map<string, string[]>();
    for (const email of accepted) {
      const to = email.to[0] ?? "";
      linksByUser.set(to, [...(linksByUser.get(to) ?? []), resetLinkIn(email.text)]);
    }
    const linkStates = await mapConcurrently([...linksByUser], 8, async ([, links]) =>
      Promise.all(links.map((link) => inspectLink(baseUrl, link))),
    );
    for (const states of linkStates) {
      expect(states.filter((state) => state === "valid")).toHaveLength(1);
      expect(states.filter((state) => state !== "valid").every((s) => s === "revoked")).toBe(true);
    }
    const revokedLinks = linkStates.flat().filter((state) => state === "revoked").length;

    expect(await server.stop("SIGTERM")).toBe(0);
    const { handle } = await rig.database.open();
    const rows = await handle.db.select().from(emailOutbox);
    const requestRows = await handle.db.select().from(resetRequests);
    await handle.close();
    expect(rows).toHaveLength(USERS.length);
    expect(rows.every((row) => row.status === "sent")).toBe(true);
    expect(requestRows).toHaveLength(USERS.length);
    expect(requestRows.every((row) => row.status === "queued")).toBe(true);

    const attempts = rows.map((row) => row.attempts);
    const attemptHistogram = Object.fromEntries(
      [...new Set(attempts)]
        .sort((a, b) => a - b)
        .map((n) => [n, attempts.filter((a) => a === n).length]),
    );
    writeFaultReport("mail-outage", {
      backend: faultBackend,
      users: USERS.length,
      resetRequestsAnswered200: statuses.filter((status) => status === 200).length,
      sendgridRequests: requests.length,
      answered500: answered(500).length,
      answered429: answered(429).length,
      answered429SeenByPassdesk: seen429.length,
      neverAnswered: hung.length,
      acceptedAfterClientTimeout: lateAccepted.length,
      clientTimeoutsLogged: clientTimeouts,
      acceptedEmails: accepted.length,
      usersReached: new Set(accepted.flatMap((email) => email.to)).size,
      duplicates,
      revokedLinksInDuplicates: revokedLinks,
      minRetryGapAfter429Millis: Math.min(...retryGapsAfter429),
      attemptsPerEmail: attemptHistogram,
      outageMillis: recoveredAt - outageStartedAt,
      phaseMillis,
      lastUserReachedMillisAfterRecovery: drainedAt - recoveredAt,
      runSeconds: Math.round((Date.now() - startedAt) / 1000),
    });
  });
});
