import pino from "pino";
import { describe, expect, it } from "vitest";
import { createUnblockPageRoutes } from "../../src/http/unblock-page/routes.ts";
import { createMemorySignIn } from "../support/memory-sign-in.ts";

// The page on its own (Hono's app.request), over the memory stores a real block filled.
async function blockedJane() {
  const signIn = createMemorySignIn({ bruteForce: { maxAttempts: 2 } });
  await signIn.addUser("jane@example.com");
  for (let i = 0; i < 2; i++) await signIn.signIn("jane@example.com", "wrong", "192.0.2.1");
  await signIn.settled();
  const token = signIn.mailer.sent[0]?.text.match(/ticket=([\w-]+)/)?.[1] ?? "";
  const app = createUnblockPageRoutes({
    repo: signIn.repo,
    clock: signIn.clock,
    logger: pino({ level: "silent" }),
    publicUrl: "https://passdesk.example.com",
    friendlyName: "Example",
  });
  return { signIn, token, app };
}

function formOf(html: string) {
  const value = (name: string) =>
    html.match(new RegExp(`name="${name}" value="([^"]+)"`))?.[1] ?? "";
  return { ticket: value("ticket"), csrf: value("csrf") };
}

describe("the unblock page", () => {
  it("GET only asks: the link is used by the button's POST, which lifts the block once", async () => {
    const { signIn, token, app } = await blockedJane();
    const shown = await app.request(`/lo/unblock?ticket=${token}`);
    expect(shown.status).toBe(200);
    expect(shown.headers.get("referrer-policy")).toBe("no-referrer");
    expect(shown.headers.get("cache-control")).toBe("no-store");
    const html = await shown.text();
    expect(html).toContain("Unblock sign-in");
    // A scanner's GET (twice) changed nothing.
    await app.request(`/lo/unblock?ticket=${token}`);
    expect(await signIn.repo.signInFailures.list(1, "jane@example.com")).toHaveLength(1);

    const cookie = shown.headers.get("set-cookie")?.split(";")[0] ?? "";
    const post = (body: Record<string, string>) =>
      app.request("/lo/unblock", {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", cookie },
        body: new URLSearchParams(body).toString(),
      });
    const form = formOf(html);
    const unblocked = await post(form);
    expect(unblocked.status).toBe(200);
    expect(await unblocked.text()).toContain("Sign-in is unblocked.");
    expect(await signIn.repo.signInFailures.list(1, "jane@example.com")).toEqual([]);
    expect(await signIn.signIn("jane@example.com", "right password", "192.0.2.1")).toMatchObject({
      signedIn: true,
    });

    const again = await post(form);
    expect(again.status).toBe(410);
    expect(await again.text()).toContain("already used");
  });

  it("a POST without the page's CSRF cookie shows the confirmation again and lifts nothing", async () => {
    const { signIn, token, app } = await blockedJane();
    const refused = await app.request("/lo/unblock", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ ticket: token, csrf: "forged" }).toString(),
    });
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain("Unblock sign-in");
    expect(await signIn.repo.signInFailures.list(1, "jane@example.com")).toHaveLength(1);
  });

  it("says why a link cannot be used: unknown, expired", async () => {
    const { signIn, token, app } = await blockedJane();
    expect((await app.request("/lo/unblock?ticket=nope")).status).toBe(404);
    expect((await app.request("/lo/unblock")).status).toBe(404);
    signIn.clock.advance(86_400_000);
    const expired = await app.request(`/lo/unblock?ticket=${token}`);
    expect(expired.status).toBe(410);
    expect(await expired.text()).toContain("expired");
  });
});
