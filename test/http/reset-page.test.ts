import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHANGE_PASSWORD_TEMPLATE } from "../../src/email/ports.ts";
import { backends } from "../support/database.ts";
import { type FakeSendGrid, startFakeSendGrid } from "../support/fake-sendgrid.ts";
import { startTestPassdesk, type TestPassdesk } from "../support/passdesk.ts";
import { createTestUser, DEFAULT_CONNECTION } from "../support/reset-fixture.ts";
import { openResetForm, submitResetForm } from "../support/reset-page-client.ts";

const RESET_LINK = /https:\/\/passdesk\.example\.com\/lo\/reset\?ticket=[A-Za-z0-9_-]+/;

describe.each(backends)("the reset page on %s", (backend) => {
  let passdesk: TestPassdesk;
  let sendgrid: FakeSendGrid;
  let ip = 0;

  beforeAll(async () => {
    sendgrid = await startFakeSendGrid();
    passdesk = await startTestPassdesk(
      backend,
      {
        SENDGRID_API_KEY: "SG.test",
        SENDGRID_API_URL: sendgrid.url,
        TRUST_PROXY: "1",
        // These tests are about the page and the consume race; test/http/reset-page-flood.test.ts
        // covers the limits, the budget and the bound on Argon2 work at their defaults.
        RESET_PAGE_RATE_LIMIT_PER_IP_BURST: "1000",
        RESET_PAGE_RATE_LIMIT_PER_TICKET_BURST: "1000",
        ARGON2_MAX_QUEUED: "100",
        ARGON2_MAX_WAIT_MILLIS: "60000",
      },
      {
        async seed(repo) {
          for (const email of [
            "ann@example.com",
            "bob@example.com",
            "cat@example.com",
            "dan@example.com",
          ]) {
            await createTestUser(repo, email, { name: "Ann Example" });
          }
          await createTestUser(repo, "redirect@example.com");
        },
      },
    );
  });
  afterAll(async () => {
    await passdesk?.close();
    await sendgrid?.close();
  });

  /** Asks for a reset and returns the link from the email the fake SendGrid caught, rebased on the test server. */
  async function linkFor(email: string): Promise<string> {
    const before = sendgrid.sentEmails().length;
    const response = await fetch(`${passdesk.url}/dbconnections/change_password`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-forwarded-for": `203.0.113.${++ip}` },
      body: JSON.stringify({ email, connection: DEFAULT_CONNECTION }),
    });
    expect(response.status).toBe(200);
    const link = (await nextEmailTo(email, before, RESET_LINK))?.text?.match(RESET_LINK)?.[0];
    if (!link) throw new Error("no link in the email");
    return link.replace("https://passdesk.example.com", passdesk.url);
  }

  /**
   * The first email to `to` sent after the first `before` ones whose text matches `pattern`: the
   * worker also sends the password-changed notices of earlier tests' changes meanwhile.
   */
  async function nextEmailTo(to: string, before: number, pattern: RegExp) {
    for (let count = before + 1; ; ) {
      const sent = await sendgrid.waitForEmails(count, 10_000);
      const found = sent
        .slice(before)
        .find((email) => email.to.includes(to) && pattern.test(email.text ?? ""));
      if (found) return found;
      count = sent.length + 1;
    }
  }

  it("shows the form with strict security headers, and GET/HEAD never consume the ticket", async () => {
    const link = await linkFor("ann@example.com");
    const head = await fetch(link, { method: "HEAD" });
    expect(head.status).toBe(200);
    const form = await openResetForm(link);
    expect(form.response.status).toBe(200);
    const headers = form.response.headers;
    expect(headers.get("referrer-policy")).toBe("no-referrer");
    expect(headers.get("cache-control")).toBe("no-store");
    const csp = headers.get("content-security-policy") ?? "";
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toMatch(/script-src 'nonce-[^']+'/);
    expect(csp).not.toContain("unsafe-inline");
    expect(form.html).toContain("New password");
    expect(form.html).toContain("Confirm new password");
    expect(form.cookie).toMatch(/^passdesk_csrf=/);
    expect(headers.get("set-cookie")).toMatch(/HttpOnly/i);
    expect(headers.get("set-cookie")).toMatch(/SameSite=Strict/i);
    const again = await openResetForm(link);
    expect(again.response.status).toBe(200);
  });

  it("refuses a POST without the CSRF cookie and keeps the ticket usable", async () => {
    const link = await linkFor("bob@example.com");
    const form = await openResetForm(link);
    const forged = await submitResetForm(
      `${passdesk.url}/lo/reset`,
      { ...form, cookie: "" },
      "a perfectly fine passphrase",
    );
    expect(forged.status).toBe(400);
    expect(await forged.text()).toContain("session expired");
    const wrongToken = await submitResetForm(
      `${passdesk.url}/lo/reset`,
      { ...form, csrf: "x".repeat(43) },
      "a perfectly fine passphrase",
    );
    expect(wrongToken.status).toBe(400);
    expect((await openResetForm(link)).response.status).toBe(200);
  });

  it("re-shows the form for a weak or mismatched password; a good one succeeds once and is told to the user", async () => {
    const link = await linkFor("cat@example.com");
    const form = await openResetForm(link);
    const action = `${passdesk.url}/lo/reset`;
    const weak = await submitResetForm(action, form, "password");
    expect(weak.status).toBe(400);
    const weakHtml = await weak.text();
    expect(weakHtml).toContain("New password");
    expect(weakHtml).toMatch(/role="alert"/);
    const mismatch = await submitResetForm(
      action,
      form,
      "a perfectly fine passphrase",
      "another passphrase",
    );
    expect(await mismatch.text()).toContain("The passwords do not match.");
    const before = sendgrid.sentEmails().length;
    const ok = await submitResetForm(action, form, "a perfectly fine passphrase");
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain("Your password has been changed.");
    const reused = await openResetForm(link);
    expect(reused.response.status).toBe(410);
    expect(reused.html).toContain("This ticket was already used.");

    const notice = await nextEmailTo("cat@example.com", before, /was\s+changed\s+by\s+you\s+on/);
    expect(notice.subject).toMatch(/password was changed$/);
    expect(notice.text).toContain("Secure my account");
  });

  it("50 simultaneous submissions of one link change the password once", async () => {
    const link = await linkFor("dan@example.com");
    const form = await openResetForm(link);
    const before = sendgrid.sentEmails().length;
    const responses = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        submitResetForm(`${passdesk.url}/lo/reset`, form, `simultaneous passphrase ${i}`),
      ),
    );
    const bodies = await Promise.all(responses.map((response) => response.text()));
    expect(bodies.filter((body) => body.includes("Your password has been changed."))).toHaveLength(
      1,
    );
    expect(bodies.filter((body) => body.includes("This ticket was already used."))).toHaveLength(
      49,
    );
    await nextEmailTo("dan@example.com", before, /was\s+changed\s+by\s+you\s+on/);
    const notices = sendgrid
      .sentEmails()
      .filter(
        (email) =>
          email.to.includes("dan@example.com") && /was\s+changed\s+by\s/.test(email.text ?? ""),
      );
    expect(notices).toHaveLength(1);
  });

  it("an unknown ticket says the link is invalid; no page ever shows a stack trace", async () => {
    for (const query of ["?ticket=nope", "", "?ticket=", `?ticket=${"a".repeat(5000)}`]) {
      const response = await fetch(`${passdesk.url}/lo/reset${query}`);
      expect(response.status).toBe(404);
      const html = await response.text();
      expect(html).toMatch(/invalid/i);
      expect(html).not.toMatch(/at .*\.ts:\d+/);
    }
    const garbage = await fetch(`${passdesk.url}/lo/reset`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "%%%&ticket=%ZZ",
    });
    expect(garbage.status).toBeLessThan(500);
  });

  // Needs a second handle on the live database, which only Postgres allows.
  it.runIf(backend === "postgres")(
    "redirects to the template's Redirect To with Auth0's parameters",
    async () => {
      const { handle, repo } = await passdesk.database.open();
      const current = await repo.templates.get(CHANGE_PASSWORD_TEMPLATE);
      await repo.templates.save(
        CHANGE_PASSWORD_TEMPLATE,
        { ...current, resultUrl: "https://app.example.com/done" },
        "test",
        current.version,
      );
      await handle.close();
      const link = await linkFor("redirect@example.com");
      const form = await openResetForm(link);
      expect(form.response.headers.get("content-security-policy")).toContain(
        "form-action 'self' https://app.example.com",
      );
      const done = await submitResetForm(
        `${passdesk.url}/lo/reset`,
        form,
        "a perfectly fine passphrase",
      );
      expect(done.status).toBe(302);
      const location = new URL(done.headers.get("location") ?? "");
      expect(location.origin + location.pathname).toBe("https://app.example.com/done");
      expect(location.searchParams.get("success")).toBe("true");
      expect(location.searchParams.get("message")).toBe(
        "You can now login to the application with the new password.",
      );
      expect(location.searchParams.get("email")).toBe("redirect@example.com");
      const reused = await fetch(link, { redirect: "manual" });
      expect(reused.status).toBe(302);
      const reusedLocation = new URL(reused.headers.get("location") ?? "");
      expect(reusedLocation.searchParams.get("success")).toBe("false");
      expect(reusedLocation.searchParams.get("message")).toBe("This URL can be used only once");
    },
  );
});
