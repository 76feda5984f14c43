import type {
  EmailEventStore,
  NewOutboxEmail,
  OutboxClaim,
  OutboxEmail,
  OutboxStore,
  StoredTemplate,
  TemplateStore,
} from "../../../src/email/ports.ts";
import {
  DEFAULT_TEMPLATES,
  type EmailTemplate,
  type TemplateName,
} from "../../../src/email/template.ts";
import { ConstraintError, copy, type MemoryDatabase } from "./database.ts";

/** OutboxStore over maps, with src/db/outbox-store.ts's leases. */
export function createMemoryOutboxStore(database: MemoryDatabase): OutboxStore {
  const { tables } = database;
  const byId = (id: number) => tables.outbox.find((email) => email.id === id);
  /** As the database store: the row only while it is still being sent under `claim`'s lease. */
  const stillLeased = (claim: OutboxClaim) => {
    const row = byId(claim.id);
    const held =
      row?.status === "sending" &&
      (row.lockedUntil?.getTime() ?? null) === (claim.lockedUntil?.getTime() ?? null);
    return held ? row : undefined;
  };
  function enqueue(email: NewOutboxEmail, at: Date): void {
    if (tables.outbox.some((row) => row.messageRef === email.messageRef))
      throw new ConstraintError(`duplicate message ref ${email.messageRef}`);
    tables.outbox.push({
      ...copy(email),
      changedBy: email.changedBy ?? null,
      id: database.nextId("outbox"),
      status: "pending",
      attempts: 0,
      nextAttemptAt: at,
      lockedUntil: null,
      lastError: null,
      providerMessageId: null,
      deliveryStatus: null,
      deliveryDetail: null,
      createdAt: at,
      sentAt: null,
    });
  }
  return {
    async enqueue(email, at) {
      enqueue(email, at);
    },
    async enqueueAll(emails, at) {
      const refs = new Set(emails.map((email) => email.messageRef));
      if (refs.size < emails.length) throw new ConstraintError("duplicate message ref");
      if (tables.outbox.some((row) => refs.has(row.messageRef)))
        throw new ConstraintError("duplicate message ref");
      for (const email of emails) enqueue(email, at);
    },
    async claimDue(at, leaseUntil, limit) {
      const now = at.getTime();
      const due = tables.outbox
        .filter(
          (email) =>
            (email.status === "pending" && email.nextAttemptAt.getTime() <= now) ||
            (email.status === "sending" &&
              email.lockedUntil !== null &&
              email.lockedUntil.getTime() < now),
        )
        .sort((a, b) => a.nextAttemptAt.getTime() - b.nextAttemptAt.getTime() || a.id - b.id)
        .slice(0, limit);
      for (const email of due) {
        email.status = "sending";
        email.attempts += 1;
        email.lockedUntil = leaseUntil;
      }
      return copy(due);
    },
    async markSent(id, providerMessageId, at) {
      update(byId(id), {
        status: "sent",
        providerMessageId,
        sentAt: at,
        lockedUntil: null,
        lastError: null,
      });
    },
    async markAllSent(sent, at) {
      for (const { id, providerMessageId } of sent) {
        update(byId(id), {
          status: "sent",
          providerMessageId,
          sentAt: at,
          lockedUntil: null,
          lastError: null,
        });
      }
    },
    async scheduleRetry(claim, nextAttemptAt, error) {
      update(stillLeased(claim), {
        status: "pending",
        nextAttemptAt,
        lockedUntil: null,
        lastError: error,
      });
    },
    async release(claim, at, reason) {
      const row = stillLeased(claim);
      update(row, {
        status: "pending",
        attempts: Math.max((row?.attempts ?? 0) - 1, 0),
        nextAttemptAt: at,
        lockedUntil: null,
        lastError: reason,
      });
    },
    async markFailed(claim, error) {
      update(stillLeased(claim), { status: "failed", lockedUntil: null, lastError: error });
    },
    async findByRef(messageRef) {
      return copy(tables.outbox.find((email) => email.messageRef === messageRef));
    },
    // The row lock is the transaction's: memory transactions run one at a time.
    async lockByRef(messageRef) {
      return copy(tables.outbox.find((email) => email.messageRef === messageRef));
    },
    async setDeliveryStatus(id, status, detail) {
      const email = byId(id);
      update(email, { deliveryStatus: status, deliveryDetail: detail });
      return copy(email);
    },
  };
}

function update(email: OutboxEmail | undefined, fields: Partial<OutboxEmail>): void {
  if (email) Object.assign(email, fields);
}

const FIELDS = Object.keys(DEFAULT_TEMPLATES.change_password) as Array<keyof EmailTemplate>;

function pickFields(template: EmailTemplate): EmailTemplate {
  return Object.fromEntries(
    FIELDS.map((field) => [field, template[field]]),
  ) as unknown as EmailTemplate;
}

/** TemplateStore over maps, with src/db/template-store.ts's versioned saves. */
export function createMemoryTemplateStore(database: MemoryDatabase): TemplateStore {
  const { tables, clock } = database;
  async function get(name: TemplateName): Promise<StoredTemplate> {
    const row = tables.templates.get(name);
    if (!row) return { ...DEFAULT_TEMPLATES[name], version: 0, updatedBy: null, updatedAt: null };
    return copy(row);
  }
  return {
    get,
    async save(name, template, editedBy, baseVersion) {
      const current = await get(name);
      const changedFields = FIELDS.filter((field) => current[field] !== template[field]);
      const stored = tables.templates.get(name);
      // The guarded write: the first version only if there is none, else only over baseVersion.
      const written = baseVersion === 0 ? !stored : stored?.version === baseVersion;
      if (!written) return { ok: false, reason: "version_conflict", current: await get(name) };
      const version = baseVersion + 1;
      const fields = pickFields(template);
      tables.templates.set(name, {
        ...fields,
        version,
        updatedBy: editedBy,
        updatedAt: clock.now(),
      });
      tables.templateVersions.push({
        ...fields,
        name,
        version,
        changedFields,
        editedBy,
        createdAt: clock.now(),
      });
      return { ok: true, template: await get(name), changedFields };
    },
    async history(name, limit) {
      return tables.templateVersions
        .filter((row) => row.name === name)
        .sort((a, b) => b.version - a.version)
        .slice(0, limit)
        .map(({ name: _name, ...version }) => copy(version));
    },
  };
}

/** EmailEventStore over a map, with src/db/email-event-store.ts's idempotence. */
export function createMemoryEmailEventStore(database: MemoryDatabase): EmailEventStore {
  const { tables } = database;
  return {
    async recordIfNew(outboxId, event) {
      if (!tables.outbox.some((email) => email.id === outboxId))
        throw new ConstraintError(`no outbox email ${outboxId}`);
      if (tables.emailEvents.some((row) => row.providerEventId === event.providerEventId))
        return false;
      tables.emailEvents.push({
        id: database.nextId("emailEvents"),
        outboxId,
        providerEventId: event.providerEventId,
        event: event.event,
        reason: event.reason,
        occurredAt: event.occurredAt,
      });
      return true;
    },
  };
}
