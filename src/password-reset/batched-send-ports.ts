import type { OutboxStore } from "../email/ports.ts";
import { coalesce } from "../jobs/coalesce.ts";
import type { UserStore } from "../users/ports.ts";
import type { ResetRequestStore, TicketStore } from "./ports.ts";
import type { SendPorts } from "./send-emails.ts";

/** The send ports, and the set-based statements their batched versions go through. */
export interface BatchableSendPorts extends SendPorts {
  users: SendPorts["users"] & Pick<UserStore, "findByIds">;
  resetRequests: SendPorts["resetRequests"] & Pick<ResetRequestStore, "findByIds">;
  tickets: SendPorts["tickets"] & Pick<TicketStore, "issueAll">;
  outbox: SendPorts["outbox"] & Pick<OutboxStore, "markAllSent">;
}

const byValue = <K>(key: K) => key;
const latest = (times: Date[]) => new Date(Math.max(...times.map((time) => time.getTime())));

/**
 * The ports sendEmail uses, with the statements it runs for every email shared by the emails in
 * flight: the sender starts a slot's worth of sends at once, and each send's look-ups (its user,
 * request, connection, template, client), its ticket and its "sent" mark go together with the
 * others' as one statement each (see coalesce), instead of one statement per email. A lone send
 * waits for nothing. What each send reads and writes is unchanged: a user's second ticket waits
 * for the next statement and revokes the first, as it would alone; a batch that fails is retried
 * email by email, so one email's bad value fails only that email.
 */
export function batchSendPorts<P extends BatchableSendPorts>(repo: P): P {
  const { users, resetRequests, connections, templates, clients, tickets, outbox } = repo;
  const lookup = <K, V>(one: (key: K) => Promise<V>) =>
    coalesce((keys: K[]) => Promise.all(keys.map(one)), { dedupeBy: byValue });
  const issue = coalesce(
    (issued: Array<{ ticket: Parameters<TicketStore["issue"]>[0]; at: Date }>) =>
      tickets.issueAll(
        issued.map(({ ticket }) => ticket),
        latest(issued.map(({ at }) => at)),
      ),
    { apartBy: ({ ticket }) => [ticket.userId] },
  );
  const markSent = coalesce(
    async (sent: Array<{ id: number; providerMessageId: string | null; at: Date }>) => {
      await outbox.markAllSent(sent, latest(sent.map(({ at }) => at)));
      return sent.map(() => undefined);
    },
    // A send keeps its provider place until its mark commits: with two marks in flight, one
    // that ends while a mark is running starts its own at once instead of waiting for it.
    { maxInFlight: 2 },
  );
  return {
    ...repo,
    users: {
      ...users,
      findById: coalesce((ids: number[]) => users.findByIds(ids), { dedupeBy: byValue }),
    },
    resetRequests: {
      ...resetRequests,
      findById: coalesce((ids: number[]) => resetRequests.findByIds(ids), { dedupeBy: byValue }),
    },
    connections: { ...connections, findById: lookup((id: number) => connections.findById(id)) },
    templates: { ...templates, get: lookup(templates.get) },
    clients: { ...clients, findByClientId: lookup((id: string) => clients.findByClientId(id)) },
    tickets: { ...tickets, issue: (ticket, at) => issue({ ticket, at }) },
    outbox: {
      ...outbox,
      markSent: (id, providerMessageId, at) => markSent({ id, providerMessageId, at }),
    },
  };
}
