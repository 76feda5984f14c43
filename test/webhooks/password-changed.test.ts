import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createWebhookSecretSeal } from "../../src/compose/webhooks.ts";
import { parseConfig } from "../../src/config.ts";
import { addWebhookEndpoint } from "../../src/webhooks/endpoints.ts";
import { backends } from "../support/database.ts";
import { type FakeSendGrid, startFakeSendGrid } from "../support/fake-sendgrid.ts";
import { startTestPassdesk, type TestPassdesk } from "../support/passdesk.ts";
import { createTestUser, DEFAULT_CONNECTION } from "../support/reset-fixture.ts";
import { openResetForm, submitResetForm } from "../support/reset-page-client.ts";
import { waitFor } from "../support/wait-for.ts";
import {
  startWebhookReceiver,
  verifiedByReference,
  type WebhookReceiver,
} from "../support/webhook-receiver.ts";

const NEW_PASSWORD = "a perfectly fine passphrase";

describe.each(backends)("password.changed from the reset page, on %s", (backend) => {
  const keyHex = randomBytes(32).toString("hex");
  let passdesk: TestPassdesk;
  let sendgrid: FakeSendGrid;
  let app: WebhookReceiver;
  let secret = "";
  let userId = 0;

  beforeAll(async () => {
    sendgrid = await startFakeSendGrid();
    app = await startWebhookReceiver(200);
    passdesk = await startTestPassdesk(
      backend,
      {
        SENDGRID_API_KEY: "SG.test",
        SENDGRID_API_URL: sendgrid.url,
        PASSDESK_KEY_ENCRYPTION_KEY: keyHex,
      },
      {
        webhookPollIntervalMillis: 50,
        async seed(repo) {
          userId = (await createTestUser(repo, "ann@example.com")).id;
          const seal = createWebhookSecretSeal(
            parseConfig({ PASSDESK_KEY_ENCRYPTION_KEY: keyHex, LOG_LEVEL: "silent" }),
          );
          const added = await addWebhookEndpoint(
            { endpoints: repo.webhookEndpoints, seal, at: new Date() },
            { url: app.url, events: "password.changed" },
          );
          if (!added.ok) throw new Error(`webhook not added: ${added.reason}`);
          secret = added.secret;
        },
      },
    );
  });
  afterAll(async () => {
    await passdesk?.close();
    await sendgrid?.close();
    await app?.stop();
  });

  it("a reset through the emailed link tells the app, signed, as the user, with no password in it", async () => {
    const response = await fetch(`${passdesk.url}/dbconnections/change_password`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: "ann@example.com", connection: DEFAULT_CONNECTION }),
    });
    expect(response.status).toBe(200);
    const [email] = await sendgrid.waitForEmails(1, 10_000);
    const link = email?.text?.match(
      /https:\/\/passdesk\.example\.com\/lo\/reset\?ticket=[\w-]+/,
    )?.[0];
    if (!link) throw new Error("no link in the email");
    const form = await openResetForm(link.replace("https://passdesk.example.com", passdesk.url));
    const done = await submitResetForm(`${passdesk.url}/lo/reset`, form, NEW_PASSWORD);
    expect(done.status).toBe(200);
    // Asking for the reset changed nothing: only the new password is an event.
    await waitFor(() => app.received.length > 0, 10_000, "the password.changed webhook");
    const [request, ...more] = app.received;
    expect(more).toEqual([]);
    expect(
      verifiedByReference(secret, request?.headers["x-passdesk-signature"], request?.body ?? ""),
    ).toBe(true);
    const body = request?.body ?? "";
    expect(JSON.parse(body)).toMatchObject({
      type: "password.changed",
      data: {
        user_id: `auth0|${userId}`,
        email: "ann@example.com",
        connection: DEFAULT_CONNECTION,
        by: { type: "user" },
      },
    });
    expect(body).not.toContain(NEW_PASSWORD);
    expect(body).not.toContain(form.ticket);
    expect(body).not.toMatch(/\$argon2|ticket|lo\/reset/);
  });
});
