import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { OutgoingEmail } from "../../src/email/mailer.ts";
import { launchChromium, type PageWatch, watchPage } from "../support/browser.ts";
import { backends } from "../support/database.ts";
import {
  type AppStore,
  addStoreConnection,
  findFreePort,
  listStoreKinds,
  STORE_CONNECTION,
  type StoreKind,
} from "../support/external-store-fixture.ts";
import { createMemoryMailer, linkIn, type MemoryMailer } from "../support/memory-mailer.ts";
import { startTestPassdesk, type TestPassdesk } from "../support/passdesk.ts";
import { waitFor } from "../support/wait-for.ts";

/*
 * A reset of a user whom only the organisation's app knows (a Devise table in PostgreSQL, a
 * Laravel table in MariaDB, a signed HTTP API), end to end: the public endpoint finds them by
 * email in the app's store, the emailed link opens in Chromium, the user types a new password,
 * and the app's OWN check (its bcrypt on the row's hash, or its server's sign-in check) then
 * accepts the new password and refuses the old one. With the store down, the submission says
 * "try again" and the same link works once the store is back.
 */

const NAME = "Jane Appleseed";
const OLD_PASSWORD = "old horse battery staple";
// Neither the name nor the email's local part: the policy's personal-data rule is on.
const NEW_PASSWORD = "violet lanterns drift upstream";
const AFTER_OUTAGE_PASSWORD = "copper kettles hum at dusk";
const ACCEPTED = "We've just sent you an email to reset your password.";

const kinds = await listStoreKinds();
for (const kind of kinds) {
  if (kind.skip) console.warn(`external-store-reset: ${kind.name} skipped: ${kind.skip}`);
}

for (const backend of backends) {
  for (const kind of kinds) {
    const skipped = kind.skip ? ` (skipped: ${kind.skip})` : "";
    describe.skipIf(kind.skip !== undefined)(
      `a reset in Chromium for a user of a ${kind.name}, Passdesk on ${backend}${skipped}`,
      () => defineResetFlow(backend, kind),
    );
  }
}

function defineResetFlow(backend: (typeof backends)[number], kind: StoreKind) {
  const email = `jane.${kind.slug}@example.com`;
  let app: AppStore;
  let mailer: MemoryMailer;
  let passdesk: TestPassdesk;
  let browser: Browser;
  let browserContext: BrowserContext;
  let page: Page;
  let watch: PageWatch;
  let link: string;

  beforeAll(async () => {
    app = await kind.open();
    // Only the app's table knows her: Passdesk's database gets the connection, no user.
    await app.addUser({ email, password: OLD_PASSWORD, name: NAME });
    mailer = createMemoryMailer();
    const port = await findFreePort();
    passdesk = await startTestPassdesk(
      backend,
      { PORT: String(port), PUBLIC_URL: `http://127.0.0.1:${port}` },
      {
        mailer,
        env: app.env,
        seed: (repo) => addStoreConnection(repo, app.store),
      },
    );
    browser = await launchChromium();
    browserContext = await browser.newContext({ viewport: { width: 1024, height: 768 } });
    page = await browserContext.newPage();
    watch = watchPage(page, passdesk.url);
  });

  afterAll(async () => {
    await browser?.close();
    await passdesk?.close();
    await app?.close();
  });

  afterEach(async () => {
    await app.up();
    expect(watch.problems.splice(0)).toEqual([]);
  });

  function requestReset(to: string) {
    return fetch(`${passdesk.url}/dbconnections/change_password`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: to, connection: STORE_CONNECTION }),
    });
  }

  /** The `count`th email of `kind` to `to`: reset emails, or the password-changed notices. */
  async function waitForEmail(
    to: string,
    count: number,
    kind: "reset" | "notice" = "reset",
  ): Promise<OutgoingEmail> {
    const link = kind === "reset" ? /\/lo\/reset\?ticket=/ : /\/lo\/secure\?ticket=/;
    const matching = () => mailer.sent.filter((sent) => sent.to === to && link.test(sent.text));
    await waitFor(() => matching().length >= count, 15_000, `${kind} email #${count} to ${to}`);
    return matching()[count - 1] as OutgoingEmail;
  }
  const waitForResetEmail = (to: string, count: number) => waitForEmail(to, count);

  /** Fills the form shown now and submits it; the status of the answer. */
  async function submit(password: string): Promise<number> {
    await page.getByLabel("New password", { exact: true }).fill(password);
    await page.getByLabel("Confirm new password", { exact: true }).fill(password);
    const answered = page.waitForResponse(
      (response) => response.request().method() === "POST" && response.url().endsWith("/lo/reset"),
    );
    await page.getByRole("button", { name: "Change password" }).click();
    const response = await answered;
    await page.waitForLoadState("load");
    return response.status();
  }

  const heading = async () => (await page.locator("h1").textContent())?.trim();
  const mainText = async () => (await page.locator("main").textContent()) ?? "";

  it("the public endpoint finds the app's user by email and mails a link, greeting her by the app's name", async () => {
    const unknown = await requestReset(`nobody.${kind.slug}@example.com`);
    const known = await requestReset(email.toUpperCase());
    expect([unknown.status, known.status]).toEqual([200, 200]);
    expect([await unknown.text(), await known.text()]).toEqual([ACCEPTED, ACCEPTED]);

    const sent = await waitForResetEmail(email, 1);
    expect(sent.subject).toMatch(/reset/i);
    // `user.name` of the default template comes from the app's row.
    expect(sent.text).toContain(`Hello ${NAME},`);
    expect(sent.text).toContain(email);
    link = linkIn(sent);
    expect(link.startsWith(`${passdesk.url}/lo/reset?ticket=`), link).toBe(true);
    // The unknown address was asked first: it got the same answer and no email.
    expect(mailer.sent.map((message) => message.to)).toEqual([email]);
  });

  it("the link opens the form in Chromium, which refuses a password holding the app's name for her", async () => {
    const response = await page.goto(link);
    expect(response?.status()).toBe(200);
    expect(await submit("appleseed orchard by the violet river")).toBe(400);
    const summary = (await page.locator("#form-errors").textContent()) ?? "";
    expect(summary).toContain("Your password was not changed");
    expect(summary).toContain("Not met: Does not contain your name or email");
    expect(await app.accepts(email, OLD_PASSWORD)).toBe(true);
  });

  it("a new password typed in Chromium is saved in the app's own store: its check takes the new one, not the old", async () => {
    const status = await submit(NEW_PASSWORD);
    expect(status, await mainText()).toBe(200);
    expect(await heading()).toBe("Your password has been changed.");

    expect(await app.accepts(email, NEW_PASSWORD)).toBe(true);
    expect(await app.accepts(email, OLD_PASSWORD)).toBe(false);
    // The user is told, with the way to undo it if it was not them.
    const notice = await waitForEmail(email, 1, "notice");
    expect(notice.text).toMatch(/was\s+changed\s+by\s+you/);
    if (app.hashOf) {
      // Written in the app's own format, so that its bcrypt.compare / password_verify works.
      expect(await app.hashOf(email)).toMatch(new RegExp(`^\\$${app.prefix}\\$05\\$`));
    }
  });

  it("opening the link again says it was already used", async () => {
    const response = await page.goto(link);
    expect(response?.status()).toBe(410);
    expect(await heading()).toBe("This ticket was already used.");
  });

  it("with the store down, the submission says to try again (503), and the link works once it is back", async () => {
    expect((await requestReset(email)).status).toBe(200);
    const second = linkIn(await waitForResetEmail(email, 2));
    expect(second).not.toBe(link);
    expect((await page.goto(second))?.status()).toBe(200);

    await app.down();
    expect(await submit(AFTER_OUTAGE_PASSWORD)).toBe(503);
    expect(await heading()).toBe("Please try again in a minute");
    expect(await mainText()).toContain(
      "We could not reach the account system to save your password, so it was not changed. Your link still works",
    );
    // Chromium logs the 503 document load as a console error: that page is the one expected.
    watch.problems.splice(
      0,
      watch.problems.length,
      ...watch.problems.filter(
        (problem) => !/Failed to load resource: .* status of 503/.test(problem),
      ),
    );
    await app.up();
    expect(await app.accepts(email, NEW_PASSWORD)).toBe(true);
    expect(await app.accepts(email, AFTER_OUTAGE_PASSWORD)).toBe(false);

    expect((await page.goto(second))?.status()).toBe(200);
    const status = await submit(AFTER_OUTAGE_PASSWORD);
    expect(status, await mainText()).toBe(200);
    expect(await heading()).toBe("Your password has been changed.");
    expect(await app.accepts(email, AFTER_OUTAGE_PASSWORD)).toBe(true);
    expect(await app.accepts(email, NEW_PASSWORD)).toBe(false);
  });
}
