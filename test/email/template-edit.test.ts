import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHANGE_PASSWORD_TEMPLATE, PASSWORD_CHANGED_TEMPLATE } from "../../src/email/ports.ts";
import {
  DEFAULT_CHANGE_PASSWORD_TEMPLATE,
  DEFAULT_PASSWORD_CHANGED_TEMPLATE,
} from "../../src/email/template.ts";
import {
  revertTemplate,
  type SaveTemplateInput,
  saveTemplate,
} from "../../src/email/template-edit.ts";
import { backends, openMigratedDatabase } from "../support/database.ts";

const EDIT = {
  name: CHANGE_PASSWORD_TEMPLATE,
  editedBy: "slack:U0ADMIN",
  actor: { actorType: "slack", actorId: "U0ADMIN" },
} as const;

describe.each(backends)("editing the change-password template on %s", (backend) => {
  let database: Awaited<ReturnType<typeof openMigratedDatabase>>;
  const repo = () => database.repo;
  const current = () => repo().templates.get(CHANGE_PASSWORD_TEMPLATE);
  const lastAudit = async () => (await repo().audit.tail(1))[0];

  async function save(changes: SaveTemplateInput["changes"], baseVersion?: number) {
    const base = baseVersion ?? (await current()).version;
    return saveTemplate(repo(), { changes, baseVersion: base, ...EDIT });
  }

  async function revert(toVersion: number, baseVersion?: number) {
    const base = baseVersion ?? (await current()).version;
    return revertTemplate(repo(), { toVersion, baseVersion: base, ...EDIT });
  }

  beforeAll(async () => {
    database = await openMigratedDatabase(backend);
  });

  afterAll(async () => {
    await database?.close();
  });

  it("a first edit is saved as version 1 on the built-in default, audited by field name only", async () => {
    const body = "<p>Your secret-looking link: <a href='{{ url }}'>reset</a></p>";
    const result = await save({ subject: "Reset your password", body }, 0);

    expect(result).toMatchObject({ ok: true, changedFields: ["subject", "body"] });
    expect(await current()).toMatchObject({
      ...DEFAULT_CHANGE_PASSWORD_TEMPLATE,
      subject: "Reset your password",
      body,
      version: 1,
      updatedBy: "slack:U0ADMIN",
    });
    const [version] = await repo().templates.history(CHANGE_PASSWORD_TEMPLATE, 1);
    expect(version).toMatchObject({ version: 1, editedBy: "slack:U0ADMIN" });
    const audit = await lastAudit();
    expect(audit).toMatchObject({
      actorType: "slack",
      actorId: "U0ADMIN",
      action: "template.updated",
      outcome: "success",
      details: { version: 1, changedFields: ["subject", "body"] },
    });
    expect(JSON.stringify(audit)).not.toContain("secret-looking");
  });

  it("fields left out or undefined keep their value, and null is a value", async () => {
    const from = "Acme <no-reply@acme.example>";
    expect(await save({ from, subject: undefined })).toMatchObject({ changedFields: ["from"] });
    expect(await current()).toMatchObject({ from, subject: "Reset your password" });

    expect(await save({ from: null })).toMatchObject({ ok: true, changedFields: ["from"] });
    expect((await current()).from).toBeNull();
  });

  it("an invalid template is refused with every problem at once, and nothing is saved", async () => {
    const before = await current();
    const audit = await lastAudit();
    const result = await save({
      subject: "{% if %}",
      body: "<p>Hello {{ user.name }}</p>",
      resultUrl: "http://app.example.com/done",
      urlLifetimeSeconds: 60,
    });

    if (result.ok || result.reason !== "invalid") throw new Error("expected invalid");
    expect(result.problems.map((problem) => problem.field)).toEqual([
      "subject",
      "body",
      "resultUrl",
      "urlLifetimeSeconds",
    ]);
    expect(await current()).toEqual(before);
    expect(await lastAudit()).toEqual(audit);
  });

  it("an edit that changes nothing is refused", async () => {
    const before = await current();
    expect(await save({})).toEqual({ ok: false, reason: "unchanged" });
    expect(await save({ subject: before.subject, enabled: before.enabled })).toEqual({
      ok: false,
      reason: "unchanged",
    });
    expect(await current()).toEqual(before);
  });

  it("an edit based on an older version is a conflict, never a silent overwrite", async () => {
    const before = await current();
    const result = await save({ subject: "Mine" }, before.version - 1);
    expect(result).toEqual({ ok: false, reason: "version_conflict", current: before });
    expect(await current()).toEqual(before);
  });

  it("two edits of the same version at once: one is saved, the other is a conflict", async () => {
    const { version } = await current();
    const edit = (subject: string) =>
      repo().transaction((stores) =>
        saveTemplate(stores, { changes: { subject }, baseVersion: version, ...EDIT }),
      );
    const results = await Promise.all([edit("First"), edit("Second")]);

    expect(results.map((result) => (result.ok ? "saved" : result.reason)).sort()).toEqual([
      "saved",
      "version_conflict",
    ]);
    expect((await current()).version).toBe(version + 1);
  });

  it("revert saves an earlier version's fields as a new version and audits where it came from", async () => {
    const first = await save({ subject: "Subject A", enabled: false });
    await save({ subject: "Subject B", enabled: true });
    if (!first.ok) throw new Error("the first save failed");
    const target = first.template.version;

    const result = await revert(target);

    expect(result).toMatchObject({ ok: true, changedFields: ["subject", "enabled"] });
    expect(await current()).toMatchObject({
      subject: "Subject A",
      enabled: false,
      version: target + 2,
    });
    expect(await lastAudit()).toMatchObject({
      actorType: "slack",
      action: "template.reverted",
      outcome: "success",
      details: { version: target + 2, revertedTo: target, changedFields: ["subject", "enabled"] },
    });
  });

  it("revert to version 0 restores the built-in default", async () => {
    const result = await revert(0);
    expect(result.ok).toBe(true);
    const { version, updatedBy, updatedAt, ...fields } = await current();
    expect(fields).toEqual(DEFAULT_CHANGE_PASSWORD_TEMPLATE);
  });

  it("revert refuses an unknown version, a stale base, and a revert that changes nothing", async () => {
    const before = await current();
    expect(await revert(before.version + 1)).toEqual({ ok: false, reason: "version_not_found" });
    expect(await revert(-1)).toEqual({ ok: false, reason: "version_not_found" });
    expect(await revert(1, before.version - 1)).toMatchObject({ reason: "version_conflict" });
    expect(await revert(before.version)).toEqual({ ok: false, reason: "unchanged" });
    expect(await current()).toEqual(before);
  });
});

describe.each(backends)("editing the password-changed template on %s", (backend) => {
  let database: Awaited<ReturnType<typeof openMigratedDatabase>>;
  const repo = () => database.repo;
  const NOTICE = { ...EDIT, name: PASSWORD_CHANGED_TEMPLATE } as const;

  beforeAll(async () => {
    database = await openMigratedDatabase(backend);
  });

  afterAll(async () => {
    await database?.close();
  });

  it("has its own default and versions; the reset link's fields are left as they are", async () => {
    expect(await repo().templates.get(PASSWORD_CHANGED_TEMPLATE)).toMatchObject({
      ...DEFAULT_PASSWORD_CHANGED_TEMPLATE,
      version: 0,
    });
    const saved = await saveTemplate(repo(), {
      ...NOTICE,
      baseVersion: 0,
      changes: { subject: "Changed by {{ changed_by }}", urlLifetimeSeconds: 1, resultUrl: "x" },
    });
    expect(saved).toMatchObject({ ok: true, changedFields: ["subject"] });
    expect(await repo().templates.get(PASSWORD_CHANGED_TEMPLATE)).toMatchObject({
      version: 1,
      subject: "Changed by {{ changed_by }}",
      urlLifetimeSeconds: DEFAULT_PASSWORD_CHANGED_TEMPLATE.urlLifetimeSeconds,
      resultUrl: null,
    });
    expect(await repo().templates.get(CHANGE_PASSWORD_TEMPLATE)).toMatchObject({ version: 0 });
    expect((await repo().audit.tail(1))[0]).toMatchObject({
      action: "template.updated",
      details: { template: PASSWORD_CHANGED_TEMPLATE, version: 1, changedFields: ["subject"] },
    });
  });

  it("is validated with its own variables: {{ url }} is unknown there", async () => {
    const refused = await saveTemplate(repo(), {
      ...NOTICE,
      baseVersion: 1,
      changes: { body: "<a href='{{ url }}'>reset</a>" },
    });
    expect(refused).toMatchObject({ ok: false, reason: "invalid", problems: [{ field: "body" }] });
  });

  it("revert to version 0 restores its own built-in default", async () => {
    const reverted = await revertTemplate(repo(), { ...NOTICE, baseVersion: 1, toVersion: 0 });
    expect(reverted).toMatchObject({ ok: true, changedFields: ["subject"] });
    const { version, updatedBy, updatedAt, ...fields } =
      await repo().templates.get(PASSWORD_CHANGED_TEMPLATE);
    expect(fields).toEqual(DEFAULT_PASSWORD_CHANGED_TEMPLATE);
    expect(await repo().templates.history(CHANGE_PASSWORD_TEMPLATE, 10)).toEqual([]);
  });
});
