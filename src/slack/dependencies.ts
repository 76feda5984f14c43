import type { Clock } from "../clock.ts";
import type { Repository } from "../db/stores.ts";
import type { Mailer } from "../email/mailer.ts";
import type { Logger } from "../logger.ts";
import type { EmailSettings } from "../password-reset/compose-email.ts";
import type { ResetLimits } from "../password-reset/rate-limit.ts";
import type { PasswordHasher } from "../passwords/hasher.ts";
import type { RoleResolver, SlackActor } from "./roles.ts";

/** What the Slack listeners need; built once in main.ts. */
export interface SlackDependencies {
  repo: Repository;
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
