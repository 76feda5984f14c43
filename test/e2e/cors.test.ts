import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium } from "../support/browser.ts";
import { startTestPassdesk, type TestPassdesk } from "../support/passdesk.ts";
import { createTestUser, DEFAULT_CONNECTION } from "../support/reset-fixture.ts";

const SUCCESS = "We've just sent you an email to reset your password.";

interface PageServer {
  origin: string;
  close(): Promise<void>;
}

/** An app's page on an origin of its own (another port of 127.0.0.1 is another origin). */
async function servePage(): Promise<PageServer> {
  const server: Server = createServer((_request, response) => {
    response.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    response.end("<!doctype html><title>app</title><p>app</p>");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

interface Xhr {
  status: number;
  responseText: string;
  onload: () => void;
  onerror: () => void;
  open(method: string, url: string): void;
  setRequestHeader(name: string, value: string): void;
  getResponseHeader(name: string): string | null;
  send(body: string): void;
}

type Outcome =
  | { ok: true; status: number; body: string; remaining: string | null }
  | { ok: false; error: string };

/**
 * What auth0.js's changePassword sends (superagent over XMLHttpRequest): a JSON POST with the
 * Auth0-Client telemetry header, which makes the browser ask with a preflight first.
 */
function changePasswordAsAuth0Js(page: Page, url: string, email: string): Promise<Outcome> {
  return page.evaluate(
    ({ url, email, connection }) =>
      new Promise<Outcome>((resolve) => {
        // Runs in the page; the test's TypeScript has no DOM types, hence the shape below.
        const { XMLHttpRequest } = globalThis as unknown as { XMLHttpRequest: new () => Xhr };
        const xhr = new XMLHttpRequest();
        xhr.open("POST", url);
        xhr.setRequestHeader("Content-Type", "application/json");
        xhr.setRequestHeader(
          "Auth0-Client",
          btoa(JSON.stringify({ name: "auth0.js", version: "9.28.0" })).replace(/=+$/, ""),
        );
        xhr.onload = () =>
          resolve({
            ok: true,
            status: xhr.status,
            body: xhr.responseText,
            remaining: xhr.getResponseHeader("X-RateLimit-Remaining"),
          });
        xhr.onerror = () => resolve({ ok: false, error: "network error (refused by CORS)" });
        xhr.send(JSON.stringify({ email, connection }));
      }),
    { url: `${url}/dbconnections/change_password`, email, connection: DEFAULT_CONNECTION },
  );
}

describe("CORS for /dbconnections/change_password in Chromium", () => {
  let listed: PageServer;
  let unlisted: PageServer;
  let passdesk: TestPassdesk;
  let browser: Browser;

  beforeAll(async () => {
    [listed, unlisted] = await Promise.all([servePage(), servePage()]);
    passdesk = await startTestPassdesk(
      "pglite",
      {},
      {
        seed: async (repo) => {
          await createTestUser(repo, "cors@example.com");
          await repo.clients.add({ name: "Web app", webOrigins: [listed.origin] });
        },
      },
    );
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await passdesk?.close();
    await Promise.all([listed?.close(), unlisted?.close()]);
  });

  async function fromPageAt(origin: string, email: string): Promise<Outcome> {
    const page = await browser.newPage();
    try {
      await page.goto(origin);
      return await changePasswordAsAuth0Js(page, passdesk.url, email);
    } finally {
      await page.close();
    }
  }

  it("lets a page on a client's web origin call it as auth0.js does, and read the answer", async () => {
    expect(await fromPageAt(listed.origin, "cors@example.com")).toEqual({
      ok: true,
      status: 200,
      body: SUCCESS,
      remaining: expect.stringMatching(/^\d+$/),
    });
  });

  it("gives a page on any other origin nothing it can read", async () => {
    expect(await fromPageAt(unlisted.origin, "cors@example.com")).toEqual({
      ok: false,
      error: "network error (refused by CORS)",
    });
  });
});
