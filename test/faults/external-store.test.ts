import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import type { DatabaseHandle } from "../../src/db/client.ts";
import { SUCCESS_MESSAGE } from "../../src/http/change-password/route.ts";
import { runCli } from "../support/cli.ts";
import { openResetForm, submitResetForm } from "../support/reset-page-client.ts";
import type { ServerProcess } from "../support/server-process.ts";
import { sleep, waitFor } from "../support/wait-for.ts";
import { writeFaultReport } from "./support/fault-report.ts";
import { mapConcurrently } from "./support/map-concurrently.ts";
import { inspectLink, resetLinkIn } from "./support/reset-api.ts";
import { type SendGridRig, startSendGridRig } from "./support/sendgrid-rig.ts";
import { logLines } from "./support/server-log.ts";
import {
  type FaultStore,
  type HttpFaultStore,
  openHttpFaultStore,
  openSqlFaultStore,
  type SqlFaultStore,
} from "./support/user-stores.ts";

/*
 * Real Passdesk processes over two connections whose users live in the organisation's own
 * store — a signed HTTP API with idempotent change_password, and a Devise users table in a
 * second PostgreSQL database — with the store killed, stopped, failing, slow or cut off around
 * the two writes of a password change: the store's (the password) and Passdesk's (the link,
 * history, audit). A link is used if and only if the store confirmed its password; the HTTP
 * store changes it once; no answer is a 500; no email goes to anyone but the user who asked.
 */

const adminUrl = process.env.TEST_DATABASE_URL;
// One key for every process of the file: a claim sealed by a killed process is opened after it.
const KEY_ENCRYPTION_KEY = randomBytes(32).toString("hex");
const OLD_PASSWORD = "before any fault happened 0";
const TIMEOUT_MILLIS = 1_000;
const RETRIES = 1;
const LEASE_SECONDS = 5;
/** Wait bound for recovery: a lapsed lease, a recovery pass, and a margin for a busy machine. */
const RECOVERY_WAIT_MILLIS = 30_000;
/** The worker leaves an unavailable store alone this long (resolve-requests.ts). */
const STORE_COOLDOWN_MILLIS = 30_000;

type Outcome = "changed" | "used" | "try_again" | "being_saved" | "other";

interface Answer {
  scenario: string;
  what: string;
  status: number;
}

describe.skipIf(!adminUrl)(
  `connections with their own user store (HTTP, SQL), under faults${adminUrl ? "" : " (skipped: TEST_DATABASE_URL is unset; the stores live in PostgreSQL)"}`,
  () => {
    let http: HttpFaultStore;
    let sql: SqlFaultStore;
    let rig: SendGridRig;
    let db: DatabaseHandle;
    const servers: ServerProcess[] = [];
    const answers: Answer[] = [];
    /** Reset emails asked for, by address. */
    const requested = new Map<string, number>();
    const report: Record<string, unknown> = {};
    let serial = 0;

    beforeAll(async () => {
      http = await openHttpFaultStore(adminUrl as string, "crm");
      sql = await openSqlFaultStore(adminUrl as string, "legacy");
      rig = await startSendGridRig("postgres");
      db = (await rig.database.open()).handle;
      // As an operator adds them: the CLI reaches each store and checks it first.
      for (const store of [http, sql]) {
        const added = await runCli(
          rig.database.env,
          ["connections", "add", store.connection, "--strategy", "database", ...store.cliArgs],
          { env: store.env },
        );
        expect(added.code, added.stderr).toBe(0);
      }
    });

    afterAll(async () => {
      await db?.close();
      await rig?.close();
      await http?.close();
      await sql?.close();
    });

    async function start(): Promise<ServerProcess> {
      const server = await rig.startServer({
        ...http.env,
        ...sql.env,
        SENDGRID_API_KEY: "SG.fault-external-store",
        PASSDESK_KEY_ENCRYPTION_KEY: KEY_ENCRYPTION_KEY,
        USER_STORE_TIMEOUT_MILLIS: String(TIMEOUT_MILLIS),
        USER_STORE_RETRIES: String(RETRIES),
        USER_STORE_CHANGE_LEASE_SECONDS: String(LEASE_SECONDS),
        USER_STORE_RECOVERY_INTERVAL_SECONDS: "1",
        // 50 submissions of one link must reach the claim, not the per-link limit or the
        // bound on queued Argon2 work (each would answer 429 or 503 "busy" instead).
        RESET_PAGE_RATE_LIMIT_PER_TICKET_BURST: "1000",
        RESET_PAGE_RATE_LIMIT_PER_TICKET_PER_MINUTE: "1000",
        ARGON2_MAX_QUEUED: "100",
        ARGON2_MAX_WAIT_MILLIS: "30000",
      });
      servers.push(server);
      // Stopped as an operator stops it when its test ends (SIGTERM: the worker finishes what
      // it is sending), before the harness's SIGKILL for a server still running. Killed
      // mid-send, a server would leave an email accepted but unrecorded, sent again by a later
      // test's server once its lease ran out: a crash's duplicate, in a file where only the two
      // SIGKILL tests crash on purpose. (vitest runs these hooks last registered first.)
      onTestFinished(async () => {
        await server.stop("SIGTERM");
      });
      // The start-up check of each store is logged just after the banner.
      await waitFor(
        () =>
          [http, sql].every((store) =>
            server.output().stdout.includes(`User store of ${store.connection}: reachable`),
          ),
        10_000,
        "the start-up lines saying both stores are reachable",
      );
      return server;
    }

    async function newUser(store: FaultStore, label: string): Promise<string> {
      const email = `${store.kind}-${label}-${++serial}@app.example.org`;
      await store.addUser({ email, name: "Kim Castellano", password: OLD_PASSWORD });
      return email;
    }

    function newPassword(): string {
      return `quiet orchards ${randomBytes(4).toString("hex")} glow amber`;
    }

    function record(scenario: string, what: string, status: number): void {
      answers.push({ scenario, what, status });
    }

    /** Auth0's change_password for a user of a store's connection. */
    async function askForReset(
      scenario: string,
      baseUrl: string,
      store: FaultStore,
      email: string,
    ) {
      requested.set(email, (requested.get(email) ?? 0) + 1);
      const response = await fetch(`${baseUrl}/dbconnections/change_password`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ email, connection: store.connection }),
      });
      const body = await response.text();
      record(scenario, "change_password", response.status);
      return { status: response.status, body };
    }

    // Reset emails, told from the password-changed notice that follows each completed change.
    const RESET_LINK = /\/lo\/reset\?ticket=/;
    const NOTICE_LINK = /\/lo\/secure\?ticket=/;
    const emailsTo = (address: string) =>
      rig.sendgrid
        .sentEmails()
        .filter((email) => email.to.includes(address) && RESET_LINK.test(email.text ?? ""));
    const noticesTo = (address: string) =>
      rig.sendgrid
        .sentEmails()
        .filter((email) => email.to.includes(address) && NOTICE_LINK.test(email.text ?? ""));

    /** Asks for a reset email and returns its link (the `/lo/reset?ticket=…` path). */
    async function requestLink(
      scenario: string,
      baseUrl: string,
      store: FaultStore,
      email: string,
    ) {
      const earlier = emailsTo(email).length;
      expect(await askForReset(scenario, baseUrl, store, email)).toEqual({
        status: 200,
        body: SUCCESS_MESSAGE,
      });
      await waitFor(() => emailsTo(email).length > earlier, 20_000, `an email to ${email}`);
      return resetLinkIn(emailsTo(email).at(-1)?.text);
    }

    /** The link's page; its csrf is empty when it shows a problem instead of the form. */
    async function openPage(scenario: string, baseUrl: string, link: string) {
      const form = await openResetForm(`${baseUrl}${link}`);
      record(scenario, "reset page GET", form.response.status);
      return form;
    }

    async function openForm(scenario: string, baseUrl: string, link: string) {
      const form = await openPage(scenario, baseUrl, link);
      expect(form.response.status).toBe(200);
      expect(form.csrf).not.toBe("");
      return form;
    }

    function ticketOf(link: string): string {
      return new URL(link, "http://link").searchParams.get("ticket") ?? "";
    }

    /** Submits the reset form and says which page came back. */
    async function submit(
      scenario: string,
      baseUrl: string,
      link: string,
      form: { cookie: string; csrf: string },
      password: string,
    ) {
      const ticket = ticketOf(link);
      const response = await submitResetForm(`${baseUrl}/lo/reset`, { ...form, ticket }, password);
      const html = await response.text();
      record(scenario, "reset page POST", response.status);
      const outcome: Outcome =
        response.status === 200 && html.includes("You can now log in")
          ? "changed"
          : response.status === 410 && html.includes("This ticket was already used.")
            ? "used"
            : response.status === 503 && html.includes("Your link still works")
              ? "try_again"
              : response.status === 202 && html.includes("Your password is being saved")
                ? "being_saved"
                : "other";
      return { outcome, status: response.status, html };
    }

    async function auditOf(email: string) {
      const rows = await db.query<{ details: Record<string, unknown> }>(
        `select details from audit_log
         where target_email = $1 and action = 'password_reset.completed' order by id`,
        [email],
      );
      return rows.map((row) => row.details);
    }

    async function claimStates(email: string): Promise<string[]> {
      const rows = await db.query<{ state: string }>(
        `select c.state from external_password_changes c join users u on u.id = c.user_id
         where u.email = $1 order by c.id`,
        [email],
      );
      return rows.map((row) => row.state);
    }

    const changeCalls = (from: number) =>
      http.server.calls.slice(from).filter((call) => call.path === "/change_password");

    /** Waits until the link reads "used": recovery (or the owner) finished the change. */
    async function waitUntilUsed(baseUrl: string, link: string, what: string) {
      await waitFor(
        async () => (await inspectLink(baseUrl, link)) === "used",
        RECOVERY_WAIT_MILLIS,
        what,
        200,
      );
    }

    for (const kind of ["http", "sql"] as const) {
      const storeOf = (): FaultStore => (kind === "http" ? http : sql);

      it(`${kind}: SIGKILL after the store wrote a change, before Passdesk marked it: the claim holds the link, recovery finishes it`, async () => {
        const scenario = `${kind}: kill between the writes`;
        const store = storeOf();
        const email = await newUser(store, "killed");
        let server = await start();
        const link = await requestLink(scenario, server.baseUrl, store, email);
        const form = await openForm(scenario, server.baseUrl, link);
        const callsBefore = http.server.calls.length;
        const password = newPassword();

        store.holdChangeAnswers(true);
        let answeredBeforeKill: number | undefined;
        const submitted = submitResetForm(
          `${server.baseUrl}/lo/reset`,
          { ...form, ticket: ticketOf(link) },
          password,
        ).then(
          (response) => {
            answeredBeforeKill = response.status;
          },
          () => undefined,
        );
        // The store wrote (and committed) the password; its answer is held: Passdesk has not
        // heard back yet.
        await waitFor(
          async () => store.heldAnswers() >= 1 && (await store.writes(email)) === 1,
          20_000,
          "the store to write the change and hold its answer",
          5,
        );
        const heldAtKill = store.heldAnswers();
        expect(await server.stop("SIGKILL")).toBeNull();
        await submitted;
        expect(answeredBeforeKill, "the page answered before the process was killed").toBe(
          undefined,
        );
        expect(await store.accepts(email, password)).toBe(true);
        expect(await claimStates(email)).toEqual(["claimed"]);
        expect(await auditOf(email)).toEqual([]);

        // Restarted with the store still holding its answers: recovery cannot confirm the change
        // yet, so the claim stays, and a second submission of the link changes nothing.
        server = await start();
        const restartedAt = Date.now();
        expect(await inspectLink(server.baseUrl, link)).toBe("valid");
        const second = await submit(
          scenario,
          server.baseUrl,
          link,
          await openForm(scenario, server.baseUrl, link),
          newPassword(),
        );
        expect(second.outcome, second.html).toBe("used");
        expect(await claimStates(email)).toEqual(["claimed"]);
        expect(await store.accepts(email, password)).toBe(true);

        store.holdChangeAnswers(false);
        await waitUntilUsed(server.baseUrl, link, "recovery to finish the change");
        const recoveredMillis = Date.now() - restartedAt;
        expect(await auditOf(email)).toEqual([
          expect.objectContaining({ recovered: true, externalStore: true }),
        ]);
        expect(await claimStates(email)).toEqual(["done"]);
        expect(await store.accepts(email, password)).toBe(true);
        expect(await store.accepts(email, OLD_PASSWORD)).toBe(false);
        const writes = await store.writes(email);
        if (kind === "http") {
          // Every attempt, the dead process's and recovery's, carried the claim's idempotency
          // key: the store changed the password once.
          expect(writes).toBe(1);
          const keys = new Set(changeCalls(callsBefore).map((call) => call.idempotencyKey));
          expect(keys.size).toBe(1);
        } else {
          // A table has no idempotency key: recovery sets the same password again.
          expect(writes).toBeGreaterThanOrEqual(2);
        }
        const third = await submit(
          scenario,
          server.baseUrl,
          link,
          await openPage(scenario, server.baseUrl, link),
          newPassword(),
        );
        expect(third.outcome, third.html).toBe("used");
        expect(await store.writes(email)).toBe(writes);

        report[`${kind}KillBetweenWrites`] = {
          heldAnswersAtKill: heldAtKill,
          storeWrites: writes,
          recoveredMillisAfterRestart: recoveredMillis,
        };
      });

      it(`${kind}: 50 simultaneous submissions of one link through the page: one changed page, one store write, one audit row`, async () => {
        const scenario = `${kind}: 50 submissions`;
        const store = storeOf();
        const email = await newUser(store, "fifty");
        const server = await start();
        const link = await requestLink(scenario, server.baseUrl, store, email);
        const forms = await mapConcurrently(
          Array.from({ length: 50 }, (_, i) => i),
          10,
          () => openForm(scenario, server.baseUrl, link),
        );
        expect(new Set(forms.map((form) => form.cookie)).size).toBe(50);
        const passwords = forms.map(() => newPassword());
        // The winner's change takes a moment at the HTTP store: the others meet its claim.
        http.server.changeDelayMillis = 300;
        const results = await Promise.all(
          forms.map((form, i) => submit(scenario, server.baseUrl, link, form, passwords[i] ?? "")),
        );
        http.server.changeDelayMillis = 0;
        const outcomes = results.map((result) => result.outcome);
        const tally = {
          changed: outcomes.filter((o) => o === "changed").length,
          used: outcomes.filter((o) => o === "used").length,
          other: outcomes.filter((o) => o !== "changed" && o !== "used").length,
        };
        expect(tally).toEqual({ changed: 1, used: 49, other: 0 });
        expect(await store.writes(email)).toBe(1);
        expect(await auditOf(email)).toHaveLength(1);
        expect(await claimStates(email)).toEqual(["done"]);
        const winner = passwords[outcomes.indexOf("changed")] ?? "";
        expect(await store.accepts(email, winner)).toBe(true);
        expect(await inspectLink(server.baseUrl, link)).toBe("used");
        report[`${kind}SimultaneousSubmissions`] = { submissions: 50, ...tally, storeWrites: 1 };
      });
    }

    it("stores down: public requests answer 200 and wait, none lost; the reset page says try again and the link works once the store is back", async () => {
      const scenario = "stores down";
      const server = await start();
      const stores = [http, sql];
      const cases = await Promise.all(
        stores.map(async (store) => {
          const waiting = await Promise.all([1, 2, 3].map(() => newUser(store, "down")));
          const formUser = await newUser(store, "down-form");
          const link = await requestLink(scenario, server.baseUrl, store, formUser);
          const form = await openForm(scenario, server.baseUrl, link);
          return { store, waiting, formUser, link, form };
        }),
      );

      for (const store of stores) await store.down();
      const stoppedAt = Date.now();
      for (const { store, waiting, formUser, link, form } of cases) {
        for (const email of waiting) {
          expect(await askForReset(scenario, server.baseUrl, store, email)).toEqual({
            status: 200,
            body: SUCCESS_MESSAGE,
          });
        }
        const refused = await submit(scenario, server.baseUrl, link, form, newPassword());
        expect(refused.outcome, `${store.kind}: ${refused.html}`).toBe("try_again");
        expect(refused.html).toContain("Please try again in a minute");
        const shown = await fetch(`${server.baseUrl}${link}`);
        record(scenario, "reset page GET", shown.status);
        expect(shown.status).toBe(503);
        await shown.text();
        expect(await claimStates(formUser)).toEqual([]);
      }
      // The worker has met each stopped store, and sent nothing for it.
      await waitFor(
        () =>
          stores.every((store) =>
            logLines(server).some(
              (line) =>
                line.msg === "reset requests wait for their user store" &&
                line.connection === store.connection,
            ),
          ),
        20_000,
        "the worker to find both stores down",
      );
      await sleep(1_000);
      expect(cases.flatMap((c) => c.waiting).flatMap(emailsTo)).toEqual([]);

      for (const store of stores) await store.up();
      const restartedAt = Date.now();
      // The reset page asks the store at once: the same link and form work now.
      for (const { store, formUser, link, form } of cases) {
        expect(await inspectLink(server.baseUrl, link)).toBe("valid");
        const password = newPassword();
        const changed = await submit(scenario, server.baseUrl, link, form, password);
        expect(changed.outcome, `${store.kind}: ${changed.html}`).toBe("changed");
        expect(await store.accepts(formUser, password)).toBe(true);
        expect(await store.writes(formUser)).toBe(1);
      }

      // The worker asks again after its cooldown: every waiting request gets its email, once.
      const waiting = cases.flatMap((c) => c.waiting);
      await waitFor(
        () => waiting.every((email) => emailsTo(email).length === 1),
        STORE_COOLDOWN_MILLIS + 30_000,
        "the deferred emails",
        200,
      );
      const deliveredAt = Date.now();
      await sleep(1_000);
      for (const email of waiting) {
        const sent = emailsTo(email);
        expect(sent, email).toHaveLength(1);
        expect(sent[0]?.to).toEqual([email]);
        expect(await inspectLink(server.baseUrl, resetLinkIn(sent[0]?.text))).toBe("valid");
      }
      report.storesDown = {
        publicRequestsWhileDown: waiting.length,
        answered200: waiting.length,
        emailsSentWhileDown: 0,
        emailsAfterRestart: waiting.length,
        storesDownMillis: restartedAt - stoppedAt,
        lastEmailMillisAfterStoresBack: deliveredAt - restartedAt,
      };
    });

    it("http: store answering 500 on change_password: 503 try again, nothing changed, the link then works", async () => {
      const scenario = "http: store 500";
      const email = await newUser(http, "five-hundred");
      const server = await start();
      const link = await requestLink(scenario, server.baseUrl, http, email);
      const form = await openForm(scenario, server.baseUrl, link);
      const callsBefore = http.server.calls.length;

      http.server.failChangesNext(RETRIES + 1, 500);
      const refused = await submit(scenario, server.baseUrl, link, form, newPassword());
      expect(refused.outcome, refused.html).toBe("try_again");
      const attempts = changeCalls(callsBefore);
      expect(attempts.map((call) => call.status)).toEqual([500, 500]);
      expect(new Set(attempts.map((call) => call.idempotencyKey)).size).toBe(1);
      expect(await http.writes(email)).toBe(0);
      expect(await http.accepts(email, OLD_PASSWORD)).toBe(true);
      expect(await claimStates(email)).toEqual(["released"]);
      expect(await auditOf(email)).toEqual([]);
      expect(await inspectLink(server.baseUrl, link)).toBe("valid");

      const password = newPassword();
      const changed = await submit(scenario, server.baseUrl, link, form, password);
      expect(changed.outcome, changed.html).toBe("changed");
      expect(await http.writes(email)).toBe(1);
      expect(await http.accepts(email, password)).toBe(true);
      expect(await claimStates(email)).toEqual(["released", "done"]);
      const audit = await auditOf(email);
      expect(audit).toHaveLength(1);
      expect(audit[0]?.recovered).toBeUndefined();
      report.http500 = { refusedAttempts: attempts.length, thenChanged: 1 };
    });

    it("http: store slower than the timeout on change_password: 202 being saved, the link is held, recovery finishes it", async () => {
      const scenario = "http: store slow";
      const email = await newUser(http, "slow");
      const server = await start();
      const link = await requestLink(scenario, server.baseUrl, http, email);
      const form = await openForm(scenario, server.baseUrl, link);

      // Each attempt times out (1 s); the store writes the change after Passdesk gave up.
      http.server.changeDelayMillis = 2_500;
      const password = newPassword();
      const submittedAt = Date.now();
      const slow = await submit(scenario, server.baseUrl, link, form, password);
      expect(slow.outcome, slow.html).toBe("being_saved");
      expect(await claimStates(email)).toEqual(["claimed"]);
      const second = await submit(
        scenario,
        server.baseUrl,
        link,
        await openForm(scenario, server.baseUrl, link),
        newPassword(),
      );
      expect(second.outcome, second.html).toBe("used");
      expect(await claimStates(email)).toEqual(["claimed"]);

      http.server.changeDelayMillis = 0;
      await waitUntilUsed(server.baseUrl, link, "recovery to finish the slow change");
      const finishedMillis = Date.now() - submittedAt;
      expect(await claimStates(email)).toEqual(["done"]);
      expect(await auditOf(email)).toEqual([expect.objectContaining({ recovered: true })]);
      await waitFor(
        () => http.server.calls.every((call) => call.status !== null),
        10_000,
        "the slow calls to end",
      );
      expect(await http.writes(email)).toBe(1);
      expect(await http.accepts(email, password)).toBe(true);
      expect(await http.accepts(email, OLD_PASSWORD)).toBe(false);
      report.httpSlow = {
        changeDelayMillis: 2_500,
        storeWrites: 1,
        finishedMillisAfterSubmit: finishedMillis,
      };
    });

    // The UPDATE committed, then the connection to the app's database was lost before its
    // answer arrived: Passdesk cannot know whether the password changed, so it must not tell the
    // user it did not, nor leave the link usable with no audit entry and no history.
    it("sql: the connection is lost after the UPDATE committed: the change is kept for recovery, not released", async () => {
      const scenario = "sql: connection lost after the commit";
      const email = await newUser(sql, "cut");
      const server = await start();
      const link = await requestLink(scenario, server.baseUrl, sql, email);
      const form = await openForm(scenario, server.baseUrl, link);
      const password = newPassword();

      sql.holdChangeAnswers(true);
      const submitted = submit(scenario, server.baseUrl, link, form, password);
      await waitFor(
        async () => sql.heldAnswers() >= 1 && (await sql.writes(email)) === 1,
        20_000,
        "the UPDATE to commit with its answer held",
        5,
      );
      sql.proxy.cutHeld();
      sql.holdChangeAnswers(false);
      const answered = await submitted;
      expect(await sql.accepts(email, password)).toBe(true);
      const after = {
        page: answered.outcome,
        claims: await claimStates(email),
        link: await inspectLink(server.baseUrl, link),
      };
      expect(
        after,
        "the app's table has the new password, yet Passdesk released the change: the page said it was not changed, and the link works again with no audit entry or history",
      ).toEqual({ page: "being_saved", claims: ["claimed"], link: "valid" });

      await waitUntilUsed(server.baseUrl, link, "recovery to finish the change");
      expect(await auditOf(email)).toEqual([expect.objectContaining({ recovered: true })]);
      expect(await sql.accepts(email, password)).toBe(true);
      report.sqlConnectionLostAfterCommit = { page: answered.status, recovered: true };
    });

    it("answered no 500 anywhere, and mailed only the users who asked, once per request", async () => {
      // The counts below are only worth reporting with the scenarios behind them.
      for (const key of [
        "httpKillBetweenWrites",
        "sqlKillBetweenWrites",
        "httpSimultaneousSubmissions",
        "sqlSimultaneousSubmissions",
        "storesDown",
        "http500",
        "httpSlow",
      ]) {
        expect(report, key).toHaveProperty(key);
      }
      const statuses: Record<string, Record<number, number>> = {};
      for (const { scenario, what, status } of answers) {
        const key = `${scenario}: ${what}`;
        statuses[key] ??= {};
        const byStatus = statuses[key];
        byStatus[status] = (byStatus[status] ?? 0) + 1;
      }
      expect(answers.filter((answer) => answer.status === 500)).toEqual([]);
      // The only 5xx are the designed "try again" (503) answers.
      expect(answers.filter((answer) => answer.status > 500 && answer.status !== 503)).toEqual([]);

      const accepted = rig.sendgrid.sentEmails();
      for (const email of accepted) {
        expect(email.to).toHaveLength(1);
        expect(requested.has(email.to[0] ?? "")).toBe(true);
      }
      for (const [address, count] of requested) {
        expect(emailsTo(address), address).toHaveLength(count);
        // At most one notice per change, and at most one change per reset email.
        expect(noticesTo(address).length, address).toBeLessThanOrEqual(count);
      }
      // Nothing else was sent: every email is a reset email or a notice.
      expect(
        accepted.filter(
          (email) => !RESET_LINK.test(email.text ?? "") && !NOTICE_LINK.test(email.text ?? ""),
        ),
      ).toEqual([]);
      const errors = servers.flatMap((server) => logLines(server)).filter((l) => l.level >= 50);
      expect(errors.map((line) => line.msg)).toEqual([]);

      writeFaultReport("external-store", {
        backend: "postgres",
        stores: ["http", "sql (PostgreSQL, Devise table)"],
        timeoutMillis: TIMEOUT_MILLIS,
        retries: RETRIES,
        leaseSeconds: LEASE_SECONDS,
        serverProcesses: servers.length,
        responses: answers.length,
        answered500: answers.filter((answer) => answer.status === 500).length,
        statuses,
        emailsAccepted: accepted.length,
        noticesAccepted: accepted.filter((email) => NOTICE_LINK.test(email.text ?? "")).length,
        emailsToOtherAddresses: accepted.filter((email) => !requested.has(email.to[0] ?? ""))
          .length,
        httpChangeCalls: changeCalls(0).length,
        httpStoreChanges: http.server.changeCount,
        ...report,
      });
    });
  },
);
