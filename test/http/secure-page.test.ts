import pino from "pino";
import { describe, expect, it } from "vitest";
import { createSecurePageRoutes } from "../../src/http/secure-page/routes.ts";
import { createMemoryReset } from "../support/memory-reset.ts";

// The page on its own (Hono's app.request), over the memory stores a sent notice filled.
async function noticeToJane() {
  const reset = createMemoryReset();
  const user = await reset.addUser("jane@example.com");
  await reset.repo.outbox.enqueue(
    {
      messageRef: "msg_notice",
      kind: "password_changed",
      requestId: null,
      userId: user.id,
      toAddress: user.email,
    },
    reset.clock.now(),
  );
  await reset.send();
  const token = reset.mailer.sent[0]?.text.match(/\/lo\/secure\?ticket=([\w-]+)/)?.[1] ?? "";
  const app = createSecurePageRoutes({
    repo: reset.repo,
    clock: reset.clock,
    logger: pino({ level: "silent" }),
    publicUrl: "https://passdesk.example.com",
    friendlyName: "Example",
  });
  const blocked = async () => (await reset.repo.users.findById(user.id))?.blocked;
  return { reset, token, app, blocked };
}

function formOf(html: string) {
  const value = (name: string) =>
    html.match(new RegExp(`name="${name}" value="([^"]+)"`))?.[1] ?? "";
  return { ticket: value("ticket"), csrf: value("csrf") };
}

describe("the secure-account page", () => {
  it("GET only asks, naming no account; the button's POST secures the account once", async () => {
    const { token, app, blocked } = await noticeToJane();
    expect(token).not.toBe("");
    const shown = await app.request(`/lo/secure?ticket=${token}`);
    expect(shown.status).toBe(200);
    expect(shown.headers.get("referrer-policy")).toBe("no-referrer");
    expect(shown.headers.get("cache-control")).toBe("no-store");
    expect(shown.headers.get("content-security-policy")).toContain("form-action 'self'");
    const html = await shown.text();
    expect(html).toContain("signs you out everywhere and blocks sign-in");
    expect(html).not.toContain("jane");
    await app.request(`/lo/secure?ticket=${token}`);
    expect(await blocked()).toBe(false);

    const cookie = shown.headers.get("set-cookie")?.split(";")[0] ?? "";
    const post = (body: Record<string, string>) =>
      app.request("/lo/secure", {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", cookie },
        body: new URLSearchParams(body).toString(),
      });
    const form = formOf(html);
    const secured = await post(form);
    expect(secured.status).toBe(200);
    expect(await secured.text()).toContain("Your account is secured.");
    expect(await blocked()).toBe(true);

    const again = await post(form);
    expect(again.status).toBe(410);
    expect(await again.text()).toContain("already used");
  });

  it("a POST without the page's CSRF cookie shows the confirmation again and blocks nothing", async () => {
    const { token, app, blocked } = await noticeToJane();
    const refused = await app.request("/lo/secure", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ ticket: token, csrf: "forged" }).toString(),
    });
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain("Secure my account");
    expect(await blocked()).toBe(false);
  });

  it("says why a link cannot be used: unknown, too long, expired; a big body is refused", async () => {
    const { reset, token, app } = await noticeToJane();
    expect((await app.request("/lo/secure?ticket=nope")).status).toBe(404);
    expect((await app.request("/lo/secure")).status).toBe(404);
    expect((await app.request(`/lo/secure?ticket=${"a".repeat(5000)}`)).status).toBe(404);
    const large = await app.request("/lo/secure", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: `ticket=${"a".repeat(10_000)}`,
    });
    expect(large.status).toBe(400);
    reset.clock.advance(7 * 24 * 3_600_000);
    const expired = await app.request(`/lo/secure?ticket=${token}`);
    expect(expired.status).toBe(410);
    expect(await expired.text()).toContain("expired");
  });
});
