import type { OutboxStore, PasswordChangedBy, TemplateStore } from "../email/ports.ts";
import { PASSWORD_CHANGED_TEMPLATE } from "../email/ports.ts";
import type { User } from "../users/user.ts";
import { createOpaqueId } from "./tokens.ts";

/** What queueing the notice reads and writes: inside the password change's transaction. */
export interface PasswordChangedNoticePorts {
  outbox: Pick<OutboxStore, "enqueue">;
  templates: Pick<TemplateStore, "get">;
}

/**
 * Queues the password-changed notice to `user`, in the transaction that changes the password, so
 * the notice exists if and only if the change does. A disabled template queues nothing (the
 * worker also skips notices queued before it was disabled). True when a notice was queued.
 */
export async function queuePasswordChangedNotice(
  stores: PasswordChangedNoticePorts,
  user: Pick<User, "id" | "email">,
  changedBy: PasswordChangedBy,
  at: Date,
): Promise<boolean> {
  if (!(await stores.templates.get(PASSWORD_CHANGED_TEMPLATE)).enabled) return false;
  await stores.outbox.enqueue(
    {
      messageRef: createOpaqueId("msg"),
      kind: "password_changed",
      requestId: null,
      userId: user.id,
      toAddress: user.email,
      changedBy,
    },
    at,
  );
  return true;
}
