import { describe, expect, it } from "vitest";
import { PASSWORD_CHANGED_TEMPLATE } from "../../../src/email/ports.ts";
import { DEFAULT_PASSWORD_CHANGED_TEMPLATE } from "../../../src/email/template.ts";
import { setPasswordByAdmin } from "../../../src/password-reset/admin-set-password.ts";
import { createMemoryReset, type MemoryReset } from "../../support/memory-reset.ts";
import { DEFAULT_CONNECTION } from "../../support/reset-fixture.ts";

const NEW_PASSWORD = "a brand new passphrase";

async function resetOnThePage(reset: MemoryReset, email: string) {
  const token = await reset.linkFor(email);
  reset.clock.advance(60_000);
  const done = await reset.complete(token, NEW_PASSWORD);
  if (!done.ok) throw new Error(`reset refused: ${done.reason}`);
}

function setByAdmin(reset: MemoryReset, email: string, notify: boolean) {
  return setPasswordByAdmin(
    { repo: reset.repo, hasher: reset.hasher, clock: reset.clock },
    {
      target: { connection: DEFAULT_CONNECTION, email },
      mode: "generate",
      notify,
      actor: { teamId: "T1", userId: "U0ADMIN" },
    },
  );
}

/** What the worker sends now: each email's recipient, subject and text. */
async function sendNow(reset: MemoryReset) {
  const before = reset.mailer.sent.length;
  await reset.send();
  return reset.mailer.sent.slice(before);
}

async function disableNotice(reset: MemoryReset) {
  await reset.repo.templates.save(
    PASSWORD_CHANGED_TEMPLATE,
    { ...DEFAULT_PASSWORD_CHANGED_TEMPLATE, enabled: false },
    "cli:alice",
    0,
  );
}

describe("the password-changed notice", () => {
  it("follows a change on the reset page: one email, by you, at the change's time", async () => {
    const reset = createMemoryReset(new Date("2026-04-01T08:05:00Z"));
    await reset.addUser("jane@example.com", { name: "Jane Doe" });
    await resetOnThePage(reset, "jane@example.com");

    const [notice, ...more] = await sendNow(reset);
    expect(more).toEqual([]);
    expect(notice).toMatchObject({
      to: "jane@example.com",
      subject: "Your Example password was changed",
    });
    expect(notice?.text).toMatch(
      /was\s+changed\s+by\s+you\s+on\s+1\s+April\s+2026,\s+08:06\s+UTC\./,
    );
    expect(notice?.html).toMatch(
      /href="https:\/\/passdesk\.example\.com\/lo\/secure\?ticket=[\w-]{43}"/,
    );
    expect(notice?.text).not.toContain(NEW_PASSWORD);
    expect(await reset.auditOutcomes("password.notice_email")).toEqual(["sent"]);
  });

  it("follows an admin's /set-password only when they tick Notify: by an administrator", async () => {
    const reset = createMemoryReset();
    await reset.addUser("jane@example.com");
    await reset.addUser("tom@example.com");

    expect(await setByAdmin(reset, "tom@example.com", false)).toMatchObject({ notified: false });
    expect(await setByAdmin(reset, "jane@example.com", true)).toMatchObject({ notified: true });

    const [notice, ...more] = await sendNow(reset);
    expect(more).toEqual([]);
    expect(notice).toMatchObject({ to: "jane@example.com" });
    expect(notice?.text).toMatch(/was\s+changed\s+by\s+an\s+administrator\s+on/);
  });

  it("is not sent at all while its template is disabled, and /set-password says so", async () => {
    const reset = createMemoryReset();
    await reset.addUser("jane@example.com");
    await disableNotice(reset);

    await resetOnThePage(reset, "jane@example.com");
    expect(await setByAdmin(reset, "jane@example.com", true)).toMatchObject({
      ok: true,
      notified: false,
    });

    expect(await sendNow(reset)).toEqual([]);
    expect(await reset.auditOutcomes("password.notice_email")).toEqual([]);
  });

  it("queued before its template was disabled, is dropped as template_disabled", async () => {
    const reset = createMemoryReset();
    await reset.addUser("jane@example.com");
    await setByAdmin(reset, "jane@example.com", true);
    await disableNotice(reset);

    expect(await sendNow(reset)).toEqual([]);
    expect(await reset.auditOutcomes("password.notice_email")).toEqual(["template_disabled"]);
  });
});
