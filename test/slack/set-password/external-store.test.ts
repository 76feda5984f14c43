import { and, asc, eq } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { auditLog } from "../../../src/db/schema.ts";
import { COMMANDS, SET_PASSWORD_BLOCKS } from "../../../src/slack/contract.ts";
import { backends } from "../../support/database.ts";
import {
  type AppStore,
  addStoreConnection,
  listStoreKinds,
  STORE_CONNECTION,
  type StoreKind,
} from "../../support/external-store-fixture.ts";
import { type SlackPassdesk, STAFF, startSlackPassdesk } from "../../support/slack-passdesk.ts";
import { createTriggerId } from "../../support/slack-requests.ts";
import {
  type OpenedView,
  openSetPasswordModal,
  submitSetPassword,
  typedPasswordState,
} from "../../support/slack-views.ts";

/*
 * An admin's /set-password for a user who lives in the organisation's own store (a Devise table,
 * a Laravel table, a signed HTTP API), through the real Bolt code paths against a fake Slack:
 * the modal shows the app's user, the typed password is written in the app's own format (its own
 * check accepts it), the audit has `password.set`; and when the store cannot take it, the modal
 * says so and nothing changed.
 */

const NAME = "Jane Appleseed";
const OLD_PASSWORD = "old horse battery staple";
const NEW_PASSWORD = "violet lanterns drift upstream";
const LATER_PASSWORD = "copper kettles hum at dusk";
const STORE_DID_NOT_CONFIRM = `The user store of ${STORE_CONNECTION} did not confirm the new password, so nothing changed. Try again in a minute.`;

const kinds = await listStoreKinds();
for (const kind of kinds) {
  if (kind.skip) console.warn(`set-password external-store: ${kind.name} skipped: ${kind.skip}`);
}

for (const backend of backends) {
  for (const kind of kinds) {
    const skipped = kind.skip ? ` (skipped: ${kind.skip})` : "";
    describe.skipIf(kind.skip !== undefined)(
      `/set-password for a user of a ${kind.name}, Passdesk on ${backend}${skipped}`,
      () => defineSetPassword(backend, kind),
    );
  }
}

function defineSetPassword(backend: (typeof backends)[number], kind: StoreKind) {
  const email = `jane.${kind.slug}@example.com`;
  let app: AppStore;
  let slack: SlackPassdesk;
  let savedEnv: Record<string, string | undefined> = {};

  beforeAll(async () => {
    app = await kind.open();
    await app.addUser({ email, password: OLD_PASSWORD, name: NAME });
    // The Slack test server reads the store's URL or secret from the process environment, as
    // production does; the variable's name is unique to this store.
    savedEnv = Object.fromEntries(Object.keys(app.env).map((name) => [name, process.env[name]]));
    Object.assign(process.env, app.env);
    slack = await startSlackPassdesk(backend, {
      seed: (repo) => addStoreConnection(repo, app.store),
    });
  });

  afterAll(async () => {
    await slack?.close();
    await app?.close();
    for (const [name, value] of Object.entries(savedEnv)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });

  beforeEach(() => slack.fake.reset());
  afterEach(async () => {
    if (app.failChanges !== undefined) app.failChanges = false;
    await app.up();
  });

  const openModal = () => openSetPasswordModal(slack, `${email} ${STORE_CONNECTION}`);
  const submit = (view: OpenedView, password: string) =>
    submitSetPassword(slack, view, typedPasswordState(password));

  function passwordSetRows() {
    return slack.inspect((_repo, db) =>
      db
        .select()
        .from(auditLog)
        .where(and(eq(auditLog.targetEmail, email), eq(auditLog.action, "password.set")))
        .orderBy(asc(auditLog.id)),
    );
  }

  it("opens the modal for the app's user, with the name and email from the app's table", async () => {
    const view = await openModal();

    expect(JSON.parse(view.private_metadata)).toMatchObject({
      email,
      name: NAME,
      connection: STORE_CONNECTION,
    });
    const shown = JSON.stringify(view.blocks);
    expect(shown).toContain(email);
    expect(shown).toContain(NAME);
    expect(shown).toContain(STORE_CONNECTION);
    expect(slack.fake.responses()).toEqual([]);
  });

  it("sets the typed password in the app's store: the app's own check takes it, audited password.set", async () => {
    const view = await openModal();

    const submitted = await submit(view, NEW_PASSWORD);

    expect(submitted.response.status).toBe(200);
    expect(submitted.body).toMatchObject({
      response_action: "update",
      view: { type: "modal", title: { text: "Password set" } },
    });
    expect(JSON.stringify(submitted.body)).not.toContain(NEW_PASSWORD);
    expect(await app.accepts(email, NEW_PASSWORD)).toBe(true);
    expect(await app.accepts(email, OLD_PASSWORD)).toBe(false);
    if (app.hashOf) {
      expect(await app.hashOf(email)).toMatch(new RegExp(`^\\$${app.prefix}\\$05\\$`));
    }
    await slack.waitForAuditMessage("<@U0ADMIN> set a password for j•••@example.com");
    const rows = await passwordSetRows();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      actorType: "slack",
      actorId: STAFF.admin,
      action: "password.set",
      outcome: "success",
      connection: STORE_CONNECTION,
      details: expect.objectContaining({ mode: "type", notified: false, logType: "scp" }),
    });
    const everywhere = [
      JSON.stringify(slack.fake.calls()),
      JSON.stringify(rows),
      ...slack.logLines,
    ];
    expect(everywhere.filter((text) => text.includes(NEW_PASSWORD))).toEqual([]);
  });

  /** What Passdesk logged at warn or error level since `from`: message and error, one a line. */
  function problemsLogged(from: number): string {
    return slack.logLines
      .slice(from)
      .map((line) => JSON.parse(line) as { level: number; msg: string; err?: { message?: string } })
      .filter((entry) => entry.level >= 40)
      .map((entry) => `${entry.msg}: ${entry.err?.message ?? ""}`)
      .join("\n");
  }

  it("with the store down at submission, the modal says the store did not confirm and nothing changed", async () => {
    const view = await openModal();
    await app.down();
    const logged = slack.logLines.length;

    const submitted = await submit(view, LATER_PASSWORD);

    const problems = problemsLogged(logged);
    await app.up();
    expect(await app.accepts(email, NEW_PASSWORD)).toBe(true);
    expect(await app.accepts(email, LATER_PASSWORD)).toBe(false);
    expect(await passwordSetRows()).toHaveLength(1);
    // An empty ack would close the modal as if the password had been set.
    expect(
      { status: submitted.response.status, body: submitted.body ?? submitted.raw },
      `Passdesk logged:\n${problems}`,
    ).toEqual({
      status: 200,
      body: {
        response_action: "errors",
        errors: { [SET_PASSWORD_BLOCKS.mode]: STORE_DID_NOT_CONFIRM },
      },
    });
  });

  it("with the store down, the command answers the admin instead of leaving them with nothing", async () => {
    await app.down();
    const logged = slack.logLines.length;
    const triggerId = createTriggerId();

    const command = await slack.command(
      STAFF.admin,
      COMMANDS.setPassword,
      `${email} ${STORE_CONNECTION}`,
      triggerId,
    );

    expect(command.response.status).toBe(200);
    const reply = await command.reply().catch((error: Error) => ({
      text: `no reply: ${error.message}; Passdesk logged:\n${problemsLogged(logged)}`,
    }));
    expect(reply.text).not.toMatch(/^no reply/);
    expect(reply.text).toMatch(/try again in a minute/);
    expect(slack.fake.calls("views.open")).toEqual([]);
  });

  it.runIf(kind.http)(
    "when the store finds the user but refuses the write, the modal says it did not confirm; nothing changed",
    async () => {
      const view = await openModal();
      app.failChanges = true;

      const submitted = await submit(view, LATER_PASSWORD);

      expect(submitted.response.status).toBe(200);
      expect(submitted.body).toEqual({
        response_action: "errors",
        errors: { [SET_PASSWORD_BLOCKS.mode]: STORE_DID_NOT_CONFIRM },
      });
      expect(await app.accepts(email, NEW_PASSWORD)).toBe(true);
      expect(await app.accepts(email, LATER_PASSWORD)).toBe(false);
      expect(await passwordSetRows()).toHaveLength(1);

      // The same modal, submitted again once the store takes writes, sets it.
      app.failChanges = false;
      const again = await submit(view, LATER_PASSWORD);
      expect(again.body).toMatchObject({ response_action: "update" });
      expect(await app.accepts(email, LATER_PASSWORD)).toBe(true);
      expect(await passwordSetRows()).toHaveLength(2);
    },
  );
}
