import { mkdir } from "node:fs/promises";
import { type AddressInfo, createServer } from "node:net";
import type { Browser, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Repository } from "../../src/db/stores.ts";
import { ACTION_IDS } from "../../src/slack/contract.ts";
import {
  findAxeViolations,
  launchChromium,
  type PageWatch,
  watchPage,
} from "../support/browser.ts";
import { backends } from "../support/database.ts";
import { type FakeSendGrid, startFakeSendGrid } from "../support/fake-sendgrid.ts";
import { createTestUser } from "../support/reset-fixture.ts";
import { queuePasswordChangedNotice, secureLinkIn } from "../support/secure-link.ts";
import { type SlackPassdesk, startSlackPassdesk } from "../support/slack-passdesk.ts";

const SCREENSHOTS = "test-results/e2e";
const JANE = "jane@example.com";
const KIM = "kim@example.com";

/** The user's sessions and links that securing the account must revoke. */
async function seedSessionsAndLinks(repo: Repository, userId: number) {
  const inAnHour = new Date(Date.now() + 3_600_000);
  await repo.refreshTokens.add({
    tokenHash: "e2e-refresh",
    familyId: "e2e-family",
    userId,
    clientId: "client",
    scope: "openid offline_access",
    audience: "https://passdesk.example.com/userinfo",
    expiresAt: inAnHour,
  });
  await repo.unblockTickets.issue(
    { tokenHash: "e2e-unblock", userId, ip: "*", expiresAt: inAnHour },
    new Date(),
  );
}

describe.each(backends)("the Secure my account link in Chromium on %s", (backend) => {
  let sendgrid: FakeSendGrid;
  let slack: SlackPassdesk;
  let browser: Browser;
  let page: Page;
  let watch: PageWatch;
  const links = new Map<string, string>();

  beforeAll(async () => {
    sendgrid = await startFakeSendGrid();
    // The link is built from PUBLIC_URL: the server must know its address before it starts
    // (and keeps it when an inspection on PGlite restarts it).
    const port = await findFreePort();
    slack = await startSlackPassdesk(backend, {
      realMailer: true,
      env: {
        PORT: String(port),
        PUBLIC_URL: `http://127.0.0.1:${port}`,
        SENDGRID_API_KEY: "SG.test",
        SENDGRID_API_URL: sendgrid.url,
      },
      async seed(repo) {
        for (const email of [JANE, KIM]) {
          const user = await createTestUser(repo, email);
          if (email === JANE) await seedSessionsAndLinks(repo, user.id);
          // Sent by the worker as soon as the server starts.
          await queuePasswordChangedNotice(repo, user);
        }
      },
    });
    browser = await launchChromium();
    page = await (await browser.newContext()).newPage();
    watch = watchPage(page, slack.url);
    await mkdir(SCREENSHOTS, { recursive: true });
  });

  afterAll(async () => {
    await browser?.close();
    await slack?.close();
    await sendgrid?.close();
  });

  afterEach(() => {
    expect(watch.problems.splice(0)).toEqual([]);
  });

  const state = (email: string) =>
    slack.inspect(async (repo) => {
      const user = await repo.users.findByEmail(1, email);
      return {
        blocked: user?.blocked,
        refreshRevoked: (await repo.refreshTokens.findByHash("e2e-refresh"))?.revokedAt !== null,
        unblockRevoked:
          (await repo.unblockTickets.findByTokenHash("e2e-unblock"))?.revokedAt !== null,
      };
    });

  async function check(name: string) {
    expect(await findAxeViolations(page), `axe violations on ${name}`).toEqual([]);
    await page.screenshot({ path: `${SCREENSHOTS}/${backend}-secure-${name}.png`, fullPage: true });
  }

  it("the password-changed notice arrives through SendGrid with a Secure my account link", async () => {
    const emails = await sendgrid.waitForEmails(2, 15_000);
    for (const email of emails) {
      expect(email.subject).toMatch(/password was changed/);
      expect(email.html).toContain("Secure my account");
      const link = secureLinkIn(email);
      expect(link.startsWith(`${slack.url}/lo/secure?ticket=`), link).toBe(true);
      links.set(email.to?.[0] ?? "", link);
    }
    expect([...links.keys()].sort()).toEqual([JANE, KIM]);
  });

  it("opening the link only asks: the account stays as it was", async () => {
    const response = await page.goto(links.get(JANE) ?? "");
    expect(response?.status()).toBe(200);
    expect(await page.locator("h1").textContent()).toBe("Secure your account");
    expect(await page.locator("main").textContent()).toContain(
      "this signs you out everywhere and blocks sign-in until our staff help you",
    );
    await check("confirm");
    expect(await state(JANE)).toEqual({
      blocked: false,
      refreshRevoked: false,
      unblockRevoked: false,
    });
  });

  it("the button blocks the user, revokes their sessions and links, and alerts staff with both buttons", async () => {
    // An inspection on PGlite restarted the server: the page is opened again, as a user would.
    await page.goto(links.get(JANE) ?? "");
    const answered = page.waitForResponse(
      (response) => response.request().method() === "POST" && response.url().endsWith("/lo/secure"),
    );
    await page.getByRole("button", { name: "Secure my account" }).click();
    expect((await answered).status()).toBe(200);
    await page.waitForLoadState("load");
    expect(await page.locator("h1").textContent()).toBe("Your account is secured.");
    await check("secured");

    const alert = await slack.waitForAuditMessage(
      ":rotating_light: The user reported a password change that was not theirs and secured the account for j•••@example.com",
    );
    const blocks = JSON.stringify(alert.args.blocks);
    expect(blocks).toContain(`"action_id":"${ACTION_IDS.resetSecuredAccount}"`);
    expect(blocks).toContain(`"action_id":"${ACTION_IDS.unblockSecuredAccount}"`);
    expect(await state(JANE)).toEqual({
      blocked: true,
      refreshRevoked: true,
      unblockRevoked: true,
    });
  });

  it("opening the link again says it was already used", async () => {
    const response = await page.goto(links.get(JANE) ?? "");
    expect(response?.status()).toBe(410);
    expect(await page.locator("h1").textContent()).toBe("Link already used");
    await check("used");
  });

  it("an expired link says so and blocks nothing", async () => {
    slack.clock.advance(7 * 24 * 3_600_000 + 1000);
    const response = await page.goto(links.get(KIM) ?? "");
    expect(response?.status()).toBe(410);
    expect(await page.locator("h1").textContent()).toBe("Link expired");
    await check("expired");
    expect((await state(KIM)).blocked).toBe(false);
  });

  it("the server's logs never contain a link's token", () => {
    for (const link of links.values()) {
      const token = new URL(link).searchParams.get("ticket") ?? "";
      expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(slack.logLines.filter((line) => line.includes(token))).toEqual([]);
      expect(JSON.stringify(slack.fake.calls())).not.toContain(token);
    }
  });
});

async function findFreePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
