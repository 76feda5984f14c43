import { randomBytes } from "node:crypto";
import type { Repository } from "../../src/db/stores.ts";
import { CSRF_COOKIE } from "../../src/http/reset-page/security.ts";
import { type RunningPassdesk, startPassdesk } from "../../src/main.ts";
import { createTicketToken, hashTicketToken } from "../../src/password-reset/tokens.ts";
import { createManualClock } from "./clock.ts";
import { type CountingHasher, createCountingHasher } from "./counting-hasher.ts";
import type { BackendName } from "./database.ts";
import { startTestPassdesk, type TestPassdesk } from "./passdesk.ts";
import { createTestUser, silentLogger, testHasher } from "./reset-fixture.ts";

/** Each seeded user's passwords, oldest first; the last is current. The default policy keeps 5. */
export const HISTORY = [1, 2, 3, 4, 5].map((n) => `an old passphrase number ${n}`);
/** Passes every rule of the default policy and is in no history. */
export const FRESH_PASSWORD = "a brand new passphrase for the flood";
/** Refused without Argon2: too short, and common. */
export const WEAK_PASSWORD = "password1";

export interface TicketState {
  rejectedSubmissions: number;
  revoked: boolean;
  used: boolean;
}

export interface FloodPassdesk {
  /** Where Passdesk listens now (reading the database on PGlite restarts it at a new port). */
  readonly url: string;
  readonly passdesk: TestPassdesk;
  /** Counts the Argon2 operations of every server-side caller (inside the process-wide bound). */
  hasher: CountingHasher;
  /** A usable link's token for each seeded email. */
  tokens: Record<string, string>;
  ticketState(token: string): Promise<TicketState>;
  close(): Promise<void>;
}

async function seedUserWithTicket(repo: Repository, email: string): Promise<string> {
  const user = await createTestUser(repo, email, { password: HISTORY[0] as string });
  for (const password of HISTORY.slice(1)) {
    await repo.users.setPasswordHash(user.id, await testHasher.hash(password), new Date());
  }
  const token = createTicketToken();
  await repo.tickets.issue(
    {
      tokenHash: hashTicketToken(token),
      userId: user.id,
      requestId: null,
      expiresAt: new Date(Date.now() + 86_400_000),
      resultUrl: null,
      includeEmailInRedirect: false,
    },
    new Date(),
  );
  return token;
}

/**
 * A real Passdesk with one link per email, its hasher counted; TRUST_PROXY=1 lets tests pick the
 * client IP. Its clock stands still, so rate-limit buckets never refill during a test, however
 * slowly a loaded machine runs it.
 */
export async function startFloodPassdesk(
  backend: BackendName,
  env: Record<string, string>,
  emails: string[],
): Promise<FloodPassdesk> {
  const hasher = createCountingHasher();
  const tokens: Record<string, string> = {};
  const options = {
    logger: silentLogger,
    clock: createManualClock(),
    hasher,
    workerPollIntervalMillis: 50,
  };
  const passdesk = await startTestPassdesk(
    backend,
    { TRUST_PROXY: "1", ...env },
    {
      ...options,
      async seed(repo) {
        for (const email of emails) tokens[email] = await seedUserWithTicket(repo, email);
      },
    },
  );
  let running: RunningPassdesk = passdesk;

  async function readTicket(repo: Repository, token: string): Promise<TicketState> {
    const ticket = await repo.tickets.findByTokenHash(hashTicketToken(token));
    if (!ticket) throw new Error("no such ticket");
    return {
      rejectedSubmissions: ticket.rejectedSubmissions,
      revoked: ticket.revokedAt !== null,
      used: ticket.usedAt !== null,
    };
  }

  return {
    get url() {
      return running.url;
    },
    passdesk,
    hasher,
    tokens,
    async ticketState(token) {
      // PGlite lets one handle at a time open the directory: stop, read, start again.
      if (backend === "pglite") await running.stop();
      const { handle, repo } = await passdesk.database.open();
      try {
        return await readTicket(repo, token);
      } finally {
        await handle.close();
        if (backend === "pglite") running = await startPassdesk(passdesk.config, options);
      }
    },
    async close() {
      await running.stop();
      await passdesk.database.drop();
    },
  };
}

/** Any well-formed value passes the double-submit check when cookie and field agree. */
export const CSRF = randomBytes(32).toString("base64url");

/**
 * POSTs the reset form as a browser would, from `ip` (X-Forwarded-For). `body` is sent as it is
 * when a string (to carry escapes no browser would send); fields are urlencoded otherwise.
 */
export function postResetForm(
  baseUrl: string,
  body: string | { ticket: string; password: string; confirmation?: string; csrf?: string },
  ip: string,
): Promise<Response> {
  const text =
    typeof body === "string"
      ? body
      : new URLSearchParams({
          ticket: body.ticket,
          csrf: body.csrf ?? CSRF,
          password: body.password,
          confirmation: body.confirmation ?? body.password,
        }).toString();
  return fetch(`${baseUrl}/lo/reset`, {
    method: "POST",
    redirect: "manual",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      cookie: `${CSRF_COOKIE}=${CSRF}`,
      "x-forwarded-for": ip,
    },
    body: text,
  });
}

let ipSequence = 0;
/** A client IP no other request of this process used. */
export function freshIp(): string {
  ipSequence += 1;
  return `198.51.${(ipSequence >> 8) & 255}.${ipSequence & 255}`;
}
