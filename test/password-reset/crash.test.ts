import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backends, createTestDatabase, type TestDatabase } from "../support/database.ts";
import { type FakeSendGrid, startFakeSendGrid } from "../support/fake-sendgrid.ts";
import { createTestUser, DEFAULT_CONNECTION } from "../support/reset-fixture.ts";
import { openResetForm, submitResetForm } from "../support/reset-page-client.ts";
import { type ServerProcess, startServerProcess } from "../support/server-process.ts";
import { waitFor } from "../support/wait-for.ts";

const USERS = Array.from({ length: 12 }, (_, i) => `crash${i}@example.com`);

describe.each(backends)("a process killed mid-send on %s", (backend) => {
  let database: TestDatabase;
  let sendgrid: FakeSendGrid;
  let server: ServerProcess | undefined;

  beforeAll(async () => {
    database = await createTestDatabase(backend);
    const { handle, repo } = await database.open();
    for (const email of USERS) await createTestUser(repo, email);
    await handle.close();
    sendgrid = await startFakeSendGrid();
  });
  afterAll(async () => {
    await server?.stop("SIGKILL");
    await sendgrid?.close();
    await database?.drop();
  });

  function start() {
    return startServerProcess(database.env, {
      SENDGRID_API_KEY: "SG.crash-test",
      SENDGRID_API_URL: sendgrid.url,
      SENDGRID_TIMEOUT_MILLIS: "5000",
      EMAIL_SEND_LEASE_SECONDS: "10",
    });
  }

  it("loses no request and leaves no ticket usable twice", { timeout: 180_000 }, async () => {
    sendgrid.hang();
    server = await start();
    for (const email of USERS) {
      const response = await fetch(`${server.baseUrl}/dbconnections/change_password`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ email, connection: DEFAULT_CONNECTION }),
      });
      expect(response.status).toBe(200);
    }
    // Sends are in flight (the provider hangs) when the process dies without any clean-up.
    await waitFor(() => sendgrid.requests.length >= USERS.length, 20_000, "sends to start");
    expect(await server.stop("SIGKILL")).toBeNull();
    sendgrid.recover();

    server = await start();
    const delivered = await sendgrid.waitForEmails(USERS.length, 90_000);
    expect(new Set(delivered.flatMap((email) => email.to))).toEqual(new Set(USERS));
    // Only hung (never answered) attempts preceded the crash, so none of them was delivered.
    expect(delivered).toHaveLength(USERS.length);

    const baseUrl = server.baseUrl;
    for (const email of delivered.slice(0, 3)) {
      const link = email.text?.match(/\/lo\/reset\?ticket=[A-Za-z0-9_-]+/)?.[0];
      expect(link).toBeDefined();
      const form = await openResetForm(`${baseUrl}${link}`);
      expect(
        (await submitResetForm(`${baseUrl}/lo/reset`, form, "after the crash passphrase")).status,
      ).toBe(200);
      const second = await submitResetForm(`${baseUrl}/lo/reset`, form, "another crash passphrase");
      expect(await second.text()).toContain("This ticket was already used.");
    }
  });
});
