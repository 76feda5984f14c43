import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_REJECTED_SUBMISSIONS } from "../../src/password-reset/submission-limits.ts";
import { backends } from "../support/database.ts";
import {
  type FloodPassdesk,
  FRESH_PASSWORD,
  freshIp,
  HISTORY,
  postResetForm,
  startFloodPassdesk,
  WEAK_PASSWORD,
} from "../support/reset-flood.ts";

// Rate limits out of the way, so that the budget of refused submissions and the bound on Argon2
// operations in flight are what a flood meets. One operation at a time and no queue make the
// bound deterministic: while one is held at the counting hasher's gate, the next is refused.
const ENV = {
  RESET_PAGE_RATE_LIMIT_PER_IP_BURST: "1000",
  RESET_PAGE_RATE_LIMIT_PER_TICKET_BURST: "1000",
  ARGON2_MAX_IN_FLIGHT: "1",
  ARGON2_MAX_QUEUED: "0",
};
const SEQUENTIAL = "ada1@example.com";
const CONCURRENT = "ada2@example.com";
const CSRF_FAILURE = "ada3@example.com";
const HOLDER = "ada4@example.com";
const BUSY = "ada5@example.com";

describe.each(backends)("the reset page's budget and Argon2 bound on %s", (backend) => {
  let server: FloodPassdesk;

  beforeAll(async () => {
    server = await startFloodPassdesk(backend, ENV, [
      SEQUENTIAL,
      CONCURRENT,
      CSRF_FAILURE,
      HOLDER,
      BUSY,
    ]);
  });
  afterAll(async () => {
    await server?.close();
  });

  it("the 10th refused submission revokes the link and says why; the 11th finds it revoked", async () => {
    expect(MAX_REJECTED_SUBMISSIONS).toBe(10);
    const ticket = server.tokens[SEQUENTIAL] as string;
    // Every kind of refusal counts: mismatch, weak password, reused password.
    const attempts = [
      ...Array.from({ length: 3 }, () => ({ password: FRESH_PASSWORD, confirmation: "other" })),
      ...Array.from({ length: 4 }, () => ({ password: WEAK_PASSWORD })),
      ...Array.from({ length: 3 }, () => ({ password: HISTORY[0] as string })),
    ];
    const pages: Array<{ status: number; html: string }> = [];
    for (const attempt of attempts) {
      const response = await postResetForm(server.url, { ticket, ...attempt }, freshIp());
      pages.push({ status: response.status, html: await response.text() });
    }
    expect(pages.map((page) => page.status)).toEqual([...Array(9).fill(400), 410]);
    expect(pages[6]?.html).toContain("This link allows 3 more tries");
    expect(pages[8]?.html).toContain("This link allows 1 more try");
    expect(pages[9]?.html).toContain("This link no longer works.");
    expect(pages[9]?.html).toContain("Too many passwords were tried with it");
    expect(pages[9]?.html).toContain("Forgot password");

    const eleventh = await postResetForm(
      server.url,
      { ticket, password: FRESH_PASSWORD },
      freshIp(),
    );
    expect(eleventh.status).toBe(410);
    expect(await eleventh.text()).toContain("This link no longer works.");
    const opened = await fetch(`${server.url}/lo/reset?ticket=${ticket}`);
    expect(opened.status).toBe(410);
    expect(await opened.text()).toContain("Too many passwords were tried with it");
    expect(await server.ticketState(ticket)).toEqual({
      rejectedSubmissions: 10,
      revoked: true,
      used: false,
    });
  });

  it("50 simultaneous refused submissions of one link count no more than the budget", async () => {
    const ticket = server.tokens[CONCURRENT] as string;
    const responses = await Promise.all(
      Array.from({ length: 50 }, () =>
        postResetForm(server.url, { ticket, password: WEAK_PASSWORD }, freshIp()),
      ),
    );
    const statuses = responses.map((response) => response.status);
    await Promise.all(responses.map((response) => response.arrayBuffer()));
    expect(statuses.filter((status) => status === 400)).toHaveLength(9);
    expect(statuses.filter((status) => status === 410)).toHaveLength(41);
    expect(await server.ticketState(ticket)).toEqual({
      rejectedSubmissions: 10,
      revoked: true,
      used: false,
    });
  });

  it("a CSRF failure evaluates no password and is not counted", async () => {
    const ticket = server.tokens[CSRF_FAILURE] as string;
    for (let i = 0; i < 3; i++) {
      const response = await postResetForm(
        server.url,
        { ticket, password: WEAK_PASSWORD, csrf: "x".repeat(43) },
        freshIp(),
      );
      expect(response.status).toBe(400);
      expect(await response.text()).toContain("session expired");
    }
    expect((await server.ticketState(ticket)).rejectedSubmissions).toBe(0);
  });

  it("with the bound full, a submission gets a 503 page with Retry-After, and its link stays usable", async () => {
    server.hasher.close();
    const holding = postResetForm(
      server.url,
      { ticket: server.tokens[HOLDER] as string, password: FRESH_PASSWORD },
      freshIp(),
    );
    await server.hasher.held();
    const busyTicket = server.tokens[BUSY] as string;
    const before = server.hasher.total();
    const busy = await postResetForm(
      server.url,
      { ticket: busyTicket, password: FRESH_PASSWORD },
      freshIp(),
    );
    server.hasher.open();
    expect(busy.status).toBe(503);
    expect(Number(busy.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    const html = await busy.text();
    expect(html).toContain("Your password was not changed");
    expect(html).toContain("Your link still works.");
    expect((await holding).status).toBe(200);
    // The refused one did no Argon2 work of its own (the holder did 5 verifies and 1 hash).
    expect(server.hasher.total() - before).toBe(HISTORY.length + 1);

    expect(await server.ticketState(busyTicket)).toEqual({
      rejectedSubmissions: 0,
      revoked: false,
      used: false,
    });
    const retried = await postResetForm(
      server.url,
      { ticket: busyTicket, password: FRESH_PASSWORD },
      freshIp(),
    );
    expect(retried.status).toBe(200);
    expect(await retried.text()).toContain("Your password has been changed.");
  });
});
