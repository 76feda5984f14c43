import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTicketToken } from "../../src/password-reset/tokens.ts";
import { backends } from "../support/database.ts";
import {
  CSRF,
  type FloodPassdesk,
  FRESH_PASSWORD,
  freshIp,
  HISTORY,
  postResetForm,
  startFloodPassdesk,
  WEAK_PASSWORD,
} from "../support/reset-flood.ts";

// The reset page at its default limits. Argon2 work is counted by a wrapper around the real
// hasher, never timed.
const CHEAP = "zed1@example.com";
const FRESH = "zed2@example.com";
const REUSED = "zed3@example.com";
const PER_IP = "zed4@example.com";
const PER_TICKET = "zed5@example.com";
const ILL_FORMED = ["zed6@example.com", "zed7@example.com"] as const;
const EMAILS = [CHEAP, FRESH, REUSED, PER_IP, PER_TICKET, ...ILL_FORMED];

describe.each(backends)("the reset page under a flood on %s", (backend) => {
  let server: FloodPassdesk;

  beforeAll(async () => {
    server = await startFloodPassdesk(backend, {}, EMAILS);
  });
  afterAll(async () => {
    await server?.close();
  });

  /** Runs `work` and returns how many Argon2 operations it cost. */
  async function argon2During(work: () => Promise<unknown>): Promise<number> {
    const before = server.hasher.total();
    await work();
    return server.hasher.total() - before;
  }

  it("refuses a short, common or mismatched password with no Argon2 work, history shown as not checked", async () => {
    const ticket = server.tokens[CHEAP] as string;
    let weakHtml = "";
    const spent = await argon2During(async () => {
      const weak = await postResetForm(server.url, { ticket, password: WEAK_PASSWORD }, freshIp());
      expect(weak.status).toBe(400);
      weakHtml = await weak.text();
      const mismatch = await postResetForm(
        server.url,
        { ticket, password: FRESH_PASSWORD, confirmation: `${FRESH_PASSWORD}!` },
        freshIp(),
      );
      expect(mismatch.status).toBe(400);
      expect(await mismatch.text()).toContain("The passwords do not match.");
    });
    expect(spent).toBe(0);
    expect(weakHtml).toMatch(/<li data-rule="min_length" data-state="unmet">/);
    expect(weakHtml).toMatch(/<li data-rule="dictionary" data-state="unmet">/);
    expect(weakHtml).toMatch(
      /<li data-rule="history" data-state="not-checked">.*not checked yet: checked once everything else is met/,
    );
  });

  it("a password that passes the cheap rules costs one verify per stored hash and one hash", async () => {
    const ticket = server.tokens[FRESH] as string;
    const before = { ...server.hasher.counts };
    const response = await postResetForm(
      server.url,
      { ticket, password: FRESH_PASSWORD },
      freshIp(),
    );
    expect(response.status).toBe(200);
    expect(await response.text()).toContain("Your password has been changed.");
    expect(server.hasher.counts.verify - before.verify).toBe(HISTORY.length);
    expect(server.hasher.counts.hash - before.hash).toBe(1);
  });

  it("a reused password costs the verifies up to the match, no hash, and is shown as reused", async () => {
    const ticket = server.tokens[REUSED] as string;
    const before = { ...server.hasher.counts };
    // The oldest password: every stored hash is verified before the match.
    const response = await postResetForm(
      server.url,
      { ticket, password: HISTORY[0] as string },
      freshIp(),
    );
    expect(response.status).toBe(400);
    expect(await response.text()).toMatch(/<li data-rule="history" data-state="unmet">/);
    expect(server.hasher.counts.verify - before.verify).toBe(HISTORY.length);
    expect(server.hasher.counts.hash - before.hash).toBe(0);
  });

  it("limits submissions per client IP with a 429 page, Retry-After and no Argon2 work", async () => {
    const ip = freshIp();
    // Unknown links from one address: each only reads the database (404), until the limit.
    const answers: number[] = [];
    for (let i = 0; i < 30; i++) {
      const response = await postResetForm(
        server.url,
        { ticket: createTicketToken(), password: FRESH_PASSWORD },
        ip,
      );
      answers.push(response.status);
      await response.arrayBuffer();
    }
    expect(answers.every((status) => status === 404)).toBe(true);
    let limited: Response | undefined;
    const spent = await argon2During(async () => {
      // A real link and a password that would pass the cheap rules: still no work.
      limited = await postResetForm(
        server.url,
        { ticket: server.tokens[PER_IP] as string, password: FRESH_PASSWORD },
        ip,
      );
    });
    expect(limited?.status).toBe(429);
    expect(Number(limited?.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(await limited?.text()).toContain("Your password was not changed.");
    expect(spent).toBe(0);
  });

  it("limits submissions per link whatever the IP; limited ones are not counted as refused", async () => {
    const ticket = server.tokens[PER_TICKET] as string;
    for (let i = 0; i < 5; i++) {
      const response = await postResetForm(
        server.url,
        { ticket, password: WEAK_PASSWORD },
        freshIp(),
      );
      expect(response.status).toBe(400);
    }
    let limited: Response | undefined;
    const spent = await argon2During(async () => {
      limited = await postResetForm(server.url, { ticket, password: FRESH_PASSWORD }, freshIp());
    });
    expect(limited?.status).toBe(429);
    expect(Number(limited?.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(spent).toBe(0);
    expect(await server.ticketState(ticket)).toEqual({
      rejectedSubmissions: 5,
      revoked: false,
      used: false,
    });
  });

  describe("ill-formed input", () => {
    // A UTF-8-encoded surrogate, a byte that is never UTF-8, and a truncated sequence.
    const BAD_ESCAPES = ["%ED%A0%80", "%FF", "%E2%82"];

    it.each(["ticket", "password", "confirmation", "csrf"])(
      "a %s that is not well-formed Unicode gets a 400 page, and nothing is counted or written",
      async (name) => {
        const ticket = server.tokens[ILL_FORMED[0]] as string;
        const fields: Record<string, string> = {
          ticket,
          csrf: CSRF,
          password: encodeURIComponent(FRESH_PASSWORD),
          confirmation: encodeURIComponent(FRESH_PASSWORD),
        };
        const spent = await argon2During(async () => {
          for (const bad of BAD_ESCAPES) {
            const body = Object.entries({ ...fields, [name]: `${fields[name]}${bad}` })
              .map(([key, value]) => `${key}=${value}`)
              .join("&");
            const response = await postResetForm(server.url, body, freshIp());
            expect(response.status).toBe(400);
            expect(response.headers.get("content-type")).toMatch(/text\/html/);
            expect(await response.text()).toContain("not valid Unicode");
          }
        });
        expect(spent).toBe(0);
      },
    );

    it("refuses raw bytes that are not UTF-8 in the body, and leaves the link as it was", async () => {
      const ticket = server.tokens[ILL_FORMED[0]] as string;
      const prefix = new TextEncoder().encode(`ticket=${ticket}&csrf=${CSRF}&password=`);
      const body = new Uint8Array([...prefix, 0xff, 0x61]);
      const response = await fetch(`${server.url}/lo/reset`, {
        method: "POST",
        headers: {
          "content-type": "application/x-www-form-urlencoded",
          cookie: `passdesk_csrf=${CSRF}`,
          "x-forwarded-for": freshIp(),
        },
        body,
      });
      expect(response.status).toBe(400);
      expect(await response.text()).toContain("not valid Unicode");
      expect(await server.ticketState(ticket)).toEqual({
        rejectedSubmissions: 0,
        revoked: false,
        used: false,
      });
    });

    it("a link whose ticket is not well-formed Unicode gets a 400 page", async () => {
      const ticket = server.tokens[ILL_FORMED[1]] as string;
      for (const bad of ["%ED%A0%80", "%FF"]) {
        const response = await fetch(`${server.url}/lo/reset?ticket=${ticket}${bad}`);
        expect(response.status).toBe(400);
        expect(await response.text()).toContain("not valid Unicode");
      }
      expect((await fetch(`${server.url}/lo/reset?ticket=${ticket}`)).status).toBe(200);
    });
  });
});
