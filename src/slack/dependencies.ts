import type { SetPasswordApprovalStore } from "../approvals/ports.ts";
import type { ApprovalSettings } from "../approvals/setting.ts";
import type { AuditPostQueue } from "../audit/ports.ts";
import type { Clock } from "../clock.ts";
import type { Mailer } from "../email/mailer.ts";
import type { TemplateEditPorts } from "../email/template-edit.ts";
import type { Logger } from "../logger.ts";
import type {
  AdminSetPasswordPorts,
  AdminSetPasswordTransactionPorts,
} from "../password-reset/admin-set-password.ts";
import type { EmailSettings } from "../password-reset/compose-email.ts";
import type {
  ExternalChangeWiring,
  ExternalFinishPorts,
} from "../password-reset/external-change.ts";
import type {
  RevealFallbackPorts,
  RevealPorts,
  RevealSettings,
} from "../password-reset/password-reveal.ts";
import type { PasswordRevealStore, ResetRequestStore } from "../password-reset/ports.ts";
import type { ResetLimits } from "../password-reset/rate-limit.ts";
import type { SecuredAccountTransactionPorts } from "../password-reset/secured-account-staff.ts";
import type { StaffResetPorts, StaffResetTransactionPorts } from "../password-reset/staff-reset.ts";
import type { PasswordHasher } from "../passwords/hasher.ts";
import type { RoleStore } from "../roles/ports.ts";
import type { SignInFailureStore } from "../sign-in/ports.ts";
import type { Transaction } from "../unit-of-work.ts";
import type { RoleResolver } from "./role-resolver.ts";

/**
 * The domain's ports the Slack app reaches, always through the domain functions it calls (staff
 * resets, password setting, role changes, template edits); listeners take only the ones they use.
 */
export type SlackPorts = Omit<StaffResetPorts, "transaction"> &
  Omit<AdminSetPasswordPorts, "transaction"> &
  TemplateEditPorts & {
    roles: RoleStore;
    resetRequests: Pick<ResetRequestStore, "listRecentBySlackUser" | "findByPublicId">;
    signInFailures: Pick<SignInFailureStore, "list" | "clear">;
    auditPosts: Pick<AuditPostQueue, "findPosted">;
    users: RevealPorts["users"];
    passwordReveals: RevealPorts["passwordReveals"] &
      Pick<PasswordRevealStore, "setSlackMessage" | "listPending">;
    setPasswordApprovals: Pick<
      SetPasswordApprovalStore,
      "create" | "findByPublicId" | "setCard" | "decide" | "markFailed"
    >;
    transaction: Transaction<
      StaffResetTransactionPorts &
        AdminSetPasswordTransactionPorts &
        ExternalFinishPorts &
        TemplateEditPorts &
        RevealFallbackPorts &
        SecuredAccountTransactionPorts
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
  /** For connections whose users live in an external store. */
  external?: ExternalChangeWiring;
  /** "Send it to the user": how the password is sealed while it waits, and for how long. */
  reveal?: RevealSettings;
  /** Four-eyes /set-password, and where its cards go (undefined: no channel, so refused). */
  approval?: ApprovalSettings & { channel: string | undefined };
}
