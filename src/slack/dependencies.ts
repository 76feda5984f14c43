import type { Clock } from "../clock.ts";
import type { Mailer } from "../email/mailer.ts";
import type { TemplateEditPorts } from "../email/template-edit.ts";
import type { Logger } from "../logger.ts";
import type {
  AdminSetPasswordPorts,
  AdminSetPasswordTransactionPorts,
} from "../password-reset/admin-set-password.ts";
import type { EmailSettings } from "../password-reset/compose-email.ts";
import type { ResetRequestStore } from "../password-reset/ports.ts";
import type { ResetLimits } from "../password-reset/rate-limit.ts";
import type { StaffResetPorts, StaffResetTransactionPorts } from "../password-reset/staff-reset.ts";
import type { PasswordHasher } from "../passwords/hasher.ts";
import type { RoleStore } from "../roles/ports.ts";
import type { Transaction } from "../unit-of-work.ts";
import type { UserStore } from "../users/ports.ts";
import type { RoleResolver, SlackActor } from "./roles.ts";

/**
 * The domain's ports the Slack app reaches: through the domain functions it calls (staff resets,
 * password setting, template edits) and, for what it only reads, directly.
 */
export type SlackPorts = Omit<StaffResetPorts, "transaction"> &
  Omit<AdminSetPasswordPorts, "transaction"> &
  TemplateEditPorts & {
    roles: RoleStore;
    resetRequests: Pick<ResetRequestStore, "listRecentBySlackUser" | "findByPublicId">;
    users: Pick<UserStore, "findByEmail">;
    transaction: Transaction<
      StaffResetTransactionPorts & AdminSetPasswordTransactionPorts & TemplateEditPorts
    >;
  };

/** What the Slack listeners need; built once in main.ts. */
export interface SlackDependencies {
  repo: SlackPorts;
  hasher: PasswordHasher;
  clock: Clock;
  logger: Logger;
  roles: RoleResolver;
  limits: ResetLimits;
  defaultConnection: string;
  bootstrapAdmins: readonly string[];
  /** Asks the worker to send queued emails now. */
  wakeWorker(): void;
  /** The outbox's Mailer and settings: the password email's test sends use the same path. */
  mailer: Mailer;
  email: EmailSettings;
}

/** Records a refused attempt: an audit row, which the audit channel also receives. */
export async function recordDenial(
  deps: SlackDependencies,
  actor: SlackActor,
  attempted: string,
): Promise<void> {
  deps.logger.warn({ slackUserId: actor.userId, attempted }, "Slack action denied");
  await deps.repo.audit.record({
    actorType: "slack",
    actorId: actor.userId,
    action: "access.denied",
    outcome: "denied",
    details: { attempted, teamId: actor.teamId },
  });
}
