import { mkdir } from "node:fs/promises";
import { type AddressInfo, createServer } from "node:net";
import { Writable } from "node:stream";
import pino from "pino";
import type { Browser, BrowserContext, Page, Request } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  findAxeViolations,
  launchChromium,
  type PageWatch,
  watchPage,
} from "../support/browser.ts";
import { backends } from "../support/database.ts";
import { type FakeSendGrid, startFakeSendGrid } from "../support/fake-sendgrid.ts";
import { startTestPassdesk, type TestPassdesk } from "../support/passdesk.ts";
import { createTestUser, DEFAULT_CONNECTION } from "../support/reset-fixture.ts";

const SCREENSHOTS = "test-results/e2e";
const USER = { email: "e2e@example.com", name: "Erin Example" };
const WEAK_PASSWORD = "password";
// Not "e2e …": the policy rightly refuses a password containing the email's local part.
const GOOD_PASSWORD = "violet lanterns drift upstream";

describe.each(backends)("a password reset in Chromium on %s", (backend) => {
  const log = createRecordingLogger();
  let sendgrid: FakeSendGrid;
  let passdesk: TestPassdesk;
  let browser: Browser;
  let browserContext: BrowserContext;
  let page: Page;
  let watch: PageWatch;
  const formPosts: Request[] = [];
  let link: string;

  beforeAll(async () => {
    sendgrid = await startFakeSendGrid();
    // The link in the email is built from PUBLIC_URL, so the server must know its own address
    // before it starts: the browser then opens the link exactly as it was sent.
    const port = await findFreePort();
    const publicUrl = `http://127.0.0.1:${port}`;
    passdesk = await startTestPassdesk(
      backend,
      {
        PORT: String(port),
        PUBLIC_URL: publicUrl,
        SENDGRID_API_KEY: "SG.test",
        SENDGRID_API_URL: sendgrid.url,
      },
      {
        logger: log.logger,
        seed: async (repo) => {
          await createTestUser(repo, USER.email, { name: USER.name });
        },
      },
    );
    browser = await launchChromium();
    browserContext = await browser.newContext({ viewport: { width: 1024, height: 768 } });
    page = await browserContext.newPage();
    watch = watchPage(page, passdesk.url);
    page.on("request", (request) => {
      if (request.method() === "POST") formPosts.push(request);
    });
    await mkdir(SCREENSHOTS, { recursive: true });
  });

  afterAll(async () => {
    await browser?.close();
    await passdesk?.close();
    await sendgrid?.close();
  });

  afterEach(() => {
    expect(watch.problems.splice(0)).toEqual([]);
  });

  const newPassword = () => page.getByLabel("New password", { exact: true });
  const confirmation = () => page.getByLabel("Confirm new password", { exact: true });
  const minLengthState = () =>
    page.locator('#policy li[data-rule="min_length"]').getAttribute("data-state");

  /** Scans the page as it is now, and keeps a screenshot of it for people to look at. */
  async function checkPageState(state: string): Promise<void> {
    expect(await findAxeViolations(page), `axe violations on ${state}`).toEqual([]);
    await page.screenshot({ path: `${SCREENSHOTS}/${backend}-${state}.png`, fullPage: true });
  }

  async function submit(password: string): Promise<number> {
    await newPassword().fill(password);
    await confirmation().fill(password);
    const answered = page.waitForResponse(
      (response) => response.request().method() === "POST" && response.url().endsWith("/lo/reset"),
    );
    await page.getByRole("button", { name: "Change password" }).click();
    const response = await answered;
    await page.waitForLoadState("load");
    return response.status();
  }

  it("a reset requested at the public endpoint arrives through SendGrid with a link to this server", async () => {
    const response = await fetch(`${passdesk.url}/dbconnections/change_password`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: USER.email, connection: DEFAULT_CONNECTION }),
    });
    expect(response.status).toBe(200);
    const [email] = await sendgrid.waitForEmails(1, 10_000);
    expect(email?.to).toEqual([USER.email]);
    expect(email?.text).toContain(USER.name);
    const links = email?.text?.match(/https?:\/\/\S+\/lo\/reset\?ticket=[A-Za-z0-9_-]+/g) ?? [];
    expect(links.length).toBeGreaterThan(0);
    link = links[0] ?? "";
    expect(link.startsWith(`${passdesk.url}/lo/reset?ticket=`), link).toBe(true);
    expect(new URL(link).searchParams.get("ticket")).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it("the link opens a form with the exact labels, a live checklist and a show-password toggle", async () => {
    const response = await page.goto(link);
    expect(response?.status()).toBe(200);
    expect(await newPassword().getAttribute("autocomplete")).toBe("new-password");
    expect(await confirmation().getAttribute("autocomplete")).toBe("new-password");
    await checkPageState("form");

    expect(await minLengthState()).toBe("unchecked");
    await newPassword().pressSequentially("short");
    expect(await minLengthState()).toBe("unmet");
    await newPassword().pressSequentially(" but long enough");
    expect(await minLengthState()).toBe("met");
    await newPassword().clear();
    expect(await minLengthState()).toBe("unchecked");

    const toggle = page.getByLabel("Show password");
    await toggle.check();
    expect(await newPassword().getAttribute("type")).toBe("text");
    expect(await confirmation().getAttribute("type")).toBe("text");
    await toggle.uncheck();
    expect(await newPassword().getAttribute("type")).toBe("password");
    expect(await confirmation().getAttribute("type")).toBe("password");
  });

  it("a weak password is refused and the form comes back with the reasons, focused", async () => {
    expect(await submit(WEAK_PASSWORD)).toBe(400);
    const summary = page.locator("#form-errors");
    expect(await summary.getAttribute("role")).toBe("alert");
    expect(await summary.textContent()).toContain("Your password was not changed");
    expect(await summary.textContent()).toContain("Not met: At least 15 characters");
    expect(await page.evaluate("document.activeElement?.id")).toBe("form-errors");
    expect(await minLengthState()).toBe("unmet");
    expect(await newPassword().getAttribute("aria-invalid")).toBe("true");
    await checkPageState("form-errors");
  });

  it("a good password is accepted on the same ticket, with the CSRF token and Origin: null", async () => {
    const status = await submit(GOOD_PASSWORD);
    expect(status, (await page.locator("main").textContent()) ?? "").toBe(200);
    expect(await page.locator("h1").textContent()).toBe("Your password has been changed.");
    await checkPageState("success");

    // Referrer-Policy: no-referrer makes Chromium send `Origin: null` on the form POST; an
    // Origin check would refuse both submissions, the token accepts them.
    expect(formPosts).toHaveLength(2);
    for (const post of formPosts) {
      expect(post.url()).toBe(`${passdesk.url}/lo/reset`);
      expect(await post.headerValue("origin")).toBe("null");
    }
  });

  it("opening the link again says it was already used", async () => {
    const response = await page.goto(link);
    expect(response?.status()).toBe(410);
    expect(await page.locator("h1").textContent()).toBe("This ticket was already used.");
    await checkPageState("already-used");
  });

  it("the server's logs record the visits through SendGrid but never contain the ticket", async () => {
    const token = new URL(link).searchParams.get("ticket") ?? "";
    expect(token).not.toBe("");
    const entries = log.lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(entries.map((entry) => entry.msg)).toContain("Email: sendgrid");
    const resetVisits = entries.filter((entry) => entry.path === "/lo/reset");
    expect(resetVisits.map((entry) => `${entry.method} ${entry.status}`)).toEqual([
      "GET 200",
      "POST 400",
      "POST 200",
      "GET 410",
    ]);
    expect(log.lines.filter((line) => line.includes(token))).toEqual([]);
  });
});

/** Every line the server logs, at every level and unredacted: stricter than production's logger. */
function createRecordingLogger() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(...String(chunk).split("\n").filter(Boolean));
      done();
    },
  });
  return { logger: pino({ level: "trace" }, stream), lines };
}

/** A port nothing listens on right now (another process could take it first: fine for a test). */
async function findFreePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
