import { completePasswordReset } from "../../src/password-reset/complete-reset.ts";
import { requestPasswordReset } from "../../src/password-reset/request-reset.ts";
import { resolvePendingRequests } from "../../src/password-reset/resolve-requests.ts";
import { addUser } from "../../src/users/add-user.ts";
import { createManualClock } from "./clock.ts";
import { createMemoryStores } from "./memory/stores.ts";
import { createMemoryMailer, tokenIn } from "./memory-mailer.ts";
import { createPlainHasher } from "./plain-hasher.ts";
import { DEFAULT_CONNECTION, sendDependencies, testLimits } from "./reset-fixture.ts";
import { sendDueEmails } from "./send-due-emails.ts";

export const FIRST_PASSWORD = "correct horse battery staple";

/**
 * The reset flow on the in-memory stores, with a manual clock, a memory mailer and a plain
 * hasher: the domain functions as production calls them, and no I/O.
 */
export function createMemoryReset(start = new Date("2026-04-01T00:00:00Z")) {
  const clock = createManualClock(start);
  const repo = createMemoryStores({ clock });
  const mailer = createMemoryMailer();
  const hasher = createPlainHasher();
  const deps = sendDependencies(repo, mailer, clock);

  async function addTestUser(email: string, options: { name?: string; blocked?: boolean } = {}) {
    const added = await addUser(repo, hasher, {
      connection: DEFAULT_CONNECTION,
      email,
      password: FIRST_PASSWORD,
      name: options.name ?? null,
    });
    if (!added.ok) throw new Error(`could not add ${email}: ${added.reason}`);
    if (options.blocked) await repo.users.setBlocked(added.user.id, true);
    return added.user;
  }

  function request(
    email: string,
    clientIp = "203.0.113.7",
    { connection = DEFAULT_CONNECTION, clientId = null as string | null } = {},
  ) {
    return requestPasswordReset(
      { stores: repo, clock, limits: testLimits },
      { email, connection, clientId, organization: null, clientIp },
    );
  }

  /** Resolves every pending request, as the worker's passes do. */
  async function resolve() {
    while ((await resolvePendingRequests(deps)).count > 0) {}
  }

  const send = () => sendDueEmails(deps);

  /** Requests, resolves and sends; the emails sent for it. */
  async function requestAndSend(email: string) {
    const before = mailer.sent.length;
    const requested = await request(email);
    if (!requested.ok) throw new Error(`request refused: ${requested.reason}`);
    await resolve();
    await send();
    return mailer.sent.slice(before);
  }

  /** The token of the one link emailed for a new request. */
  async function linkFor(email: string) {
    const [sent, ...more] = await requestAndSend(email);
    if (!sent || more.length > 0) throw new Error(`expected one email to ${email}`);
    return tokenIn(sent);
  }

  function complete(token: string, password: string, confirmation = password) {
    return completePasswordReset({ repo, hasher, clock }, { token, password, confirmation });
  }

  async function auditOutcomes(action: string) {
    return (await repo.audit.tail(10_000))
      .filter((entry) => entry.action === action)
      .map((entry) => entry.outcome);
  }

  return {
    clock,
    repo,
    mailer,
    hasher,
    deps,
    addUser: addTestUser,
    request,
    resolve,
    send,
    requestAndSend,
    linkFor,
    complete,
    auditOutcomes,
  };
}

export type MemoryReset = ReturnType<typeof createMemoryReset>;
