import type { AuditEntry, AuditLog } from "../audit/ports.ts";
import type { Clock } from "../clock.ts";
import { PASSWORD_CHANGED_TEMPLATE, type TemplateStore } from "../email/ports.ts";
import { generatePassword } from "../passwords/generate.ts";
import type { PasswordHasher } from "../passwords/hasher.ts";
import { checkPassword } from "../passwords/policy.ts";
import type { Transaction } from "../unit-of-work.ts";
import type { Connection } from "../users/connection.ts";
import type { UserStore } from "../users/ports.ts";
import type { User } from "../users/user.ts";
import { changeActorOf } from "../webhooks/events.ts";
import {
  changeExternalPassword,
  type ExternalChangeStore,
  type ExternalChangeWiring,
  type ExternalFinishPorts,
} from "./external-change.ts";
import {
  evaluateNewPassword,
  type PasswordChangePorts,
  type RuleVerdict,
  storeNewPassword,
} from "./new-password.ts";
import {
  type PasswordChangedNoticePorts,
  queuePasswordChangedNotice,
} from "./password-changed-notice.ts";
import type { RevealSettings } from "./password-reveal.ts";
import type { PasswordReveal, PasswordRevealStore, SlackRecipient } from "./ports.ts";
import {
  checkSetPasswordEligibility,
  type SetPasswordEligibility,
  type SetPasswordEligibilityPorts,
  type SetPasswordTarget,
} from "./set-password-eligibility.ts";
import { createOpaqueId } from "./tokens.ts";

export type AdminPasswordInput =
  | { mode: "type"; password: string; confirmation: string }
  | { mode: "generate" }
  /**
   * Generated, and shown to the user alone: by a Slack DM when `slackRecipient` is their own
   * Slack account (found by its confirmed email), by an emailed link otherwise.
   */
  | { mode: "send"; slackRecipient: SlackRecipient | null };

/**
 * A set a second admin approved (four-eyes): the actor is the approver, and the audit entry and
 * the webhook event also name the admin who asked.
 */
export interface ApprovedBy {
  /** The approval request's public id. */
  approval: string;
  requester: { teamId: string; userId: string };
}

export type AdminSetPasswordResult =
  | {
      ok: true;
      user: User;
      connection: Connection;
      generatedPassword?: string;
      notified: boolean;
      /** Mode `send`: the reveal now waiting for the user. */
      reveal?: PasswordReveal;
    }
  | Extract<SetPasswordEligibility, { ok: false }>
  /** `rules`: every rule of the policy, history unevaluated (`ok` undefined) if others failed. */
  | { ok: false; reason: "rejected"; rules: RuleVerdict[]; mismatch: boolean }
  /**
   * The user's external store did not confirm the password: `store_unavailable`, nothing changed;
   * `store_unconfirmed`, it may have, and recovery finishes the change (audited) within minutes.
   */
  | { ok: false; reason: "store_unavailable" | "store_unconfirmed" }
  /** Mode `send` for a user of an external store, or without the settings it needs. */
  | { ok: false; reason: "send_unavailable" };

/** What an admin's password set changes together: the password, links, notice and audit. */
export interface AdminSetPasswordTransactionPorts
  extends PasswordChangePorts,
    PasswordChangedNoticePorts {
  audit: Pick<AuditLog, "record">;
  passwordReveals: Pick<PasswordRevealStore, "create">;
}

/** What an admin's password set reads, and what it changes together in one transaction. */
export interface AdminSetPasswordPorts {
  users: Pick<UserStore, "findByEmail" | "recentPasswordHashes">;
  /** Whether the password-changed notice is enabled: a disabled one is not promised. */
  templates: Pick<TemplateStore, "get">;
  connections: SetPasswordEligibilityPorts["connections"];
  externalChanges: Pick<ExternalChangeStore, "claim" | "release">;
  transaction: Transaction<AdminSetPasswordTransactionPorts & ExternalFinishPorts>;
}

export interface AdminSetPasswordDependencies {
  repo: AdminSetPasswordPorts;
  hasher: PasswordHasher;
  clock: Clock;
  /** For connections whose users live in an external store. */
  external?: ExternalChangeWiring;
  /** For mode `send`. */
  reveal?: RevealSettings;
}

/** A strong password that passes the whole policy for this user (personal data included). */
function generateFor(user: User, connection: Connection): string {
  const personal = {
    email: user.email,
    name: user.name,
    givenName: user.givenName,
    familyName: user.familyName,
    nickname: user.nickname,
  };
  for (let attempt = 0; attempt < 20; attempt++) {
    const candidate = generatePassword(connection.policy);
    if (checkPassword(candidate, connection.policy, { personal }).ok) return candidate;
  }
  throw new Error("could not generate a password that passes the policy");
}

/**
 * An admin sets a user's password by hand. As in Auth0, the user is not told unless the admin
 * asks for a notice (and the password_changed template is enabled); every outstanding reset link
 * is revoked either way. The hasher may throw HasherBusyError (nothing changed): the caller says
 * so and the admin submits again. Who may be set is checked afresh, by the same rule the form was
 * opened with.
 */
export async function setPasswordByAdmin(
  { repo, hasher, clock, external, reveal }: AdminSetPasswordDependencies,
  input: AdminPasswordInput & {
    target: SetPasswordTarget;
    notify: boolean;
    actor: { teamId: string; userId: string };
    approved?: ApprovedBy;
  },
): Promise<AdminSetPasswordResult> {
  const eligibility = await checkSetPasswordEligibility(repo, input.target);
  if (!eligibility.ok) return eligibility;
  const { user, connection } = eligibility;
  // The password waits, sealed, for the user: only for users whose hash Passdesk keeps.
  if (input.mode === "send" && (user.externalId || !reveal)) {
    return { ok: false, reason: "send_unavailable" };
  }

  const verdict = await evaluateNewPassword(
    repo,
    hasher,
    user,
    connection,
    input.mode !== "type"
      ? { password: generateFor(user, connection) }
      : { password: input.password, confirmation: input.confirmation },
  );
  if (!verdict.ok) {
    return { ok: false, reason: "rejected", rules: verdict.rules, mismatch: verdict.mismatch };
  }
  const password = verdict.password;
  const hash = await hasher.hash(password);
  const notify = input.notify && (await repo.templates.get(PASSWORD_CHANGED_TEMPLATE)).enabled;
  const audit = {
    actorType: "slack",
    actorId: input.actor.userId,
    action: "password.set",
    outcome: "success",
    targetEmail: user.email,
    connection: connection.name,
    details: {
      mode: input.mode,
      notified: notify,
      teamId: input.actor.teamId,
      ...(input.mode === "send" && { delivery: input.slackRecipient ? "slack" : "email" }),
      ...(input.approved && {
        approval: input.approved.approval,
        requestedBy: input.approved.requester.userId,
      }),
    },
  } satisfies AuditEntry;
  const by = input.approved
    ? {
        ...changeActorOf(audit),
        via: "approval" as const,
        requested_by: input.approved.requester.userId,
      }
    : changeActorOf(audit);
  const done = {
    ok: true as const,
    user,
    connection,
    notified: notify,
    ...(input.mode === "generate" && { generatedPassword: password }),
  };

  if (user.externalId) {
    if (!external) return { ok: false, reason: "store_unavailable" };
    const changed = await changeExternalPassword(
      { ...external, repo, clock },
      {
        user,
        connection,
        password,
        historyHash: hash,
        ticketId: null,
        outcome: { audit, notify },
      },
    );
    if (changed.ok) return done;
    return {
      ok: false,
      reason: changed.reason === "claimed" ? "store_unavailable" : changed.reason,
    };
  }

  const revealed = await repo.transaction(async (stores) => {
    const at = clock.now();
    const effects = await storeNewPassword(stores, user, hash, at, {
      connection: connection.name,
      by,
    });
    const waiting =
      input.mode === "send" && reveal
        ? await createReveal(stores, reveal, {
            user,
            connection,
            password,
            slackRecipient: input.slackRecipient,
            requestedBy: input.actor.userId,
            at,
          })
        : undefined;
    if (notify) await queuePasswordChangedNotice(stores, user, "admin", at);
    await stores.audit.record({
      ...audit,
      details: { ...audit.details, ...effects, ...(waiting && { reveal: waiting.publicId }) },
    });
    return waiting;
  });
  return revealed ? { ...done, reveal: revealed } : done;
}

/** The sealed password waiting for its user; the email carrying its link, if it goes by email. */
async function createReveal(
  stores: Pick<AdminSetPasswordTransactionPorts, "passwordReveals" | "outbox">,
  settings: RevealSettings,
  input: {
    user: User;
    connection: Connection;
    password: string;
    slackRecipient: SlackRecipient | null;
    requestedBy: string;
    at: Date;
  },
): Promise<PasswordReveal> {
  const { user, slackRecipient, at } = input;
  const messageRef = slackRecipient ? null : createOpaqueId("msg");
  const created = await stores.passwordReveals.create(
    {
      publicId: createOpaqueId("rvl"),
      userId: user.id,
      channel: slackRecipient ? "slack" : "email",
      slackTeamId: slackRecipient?.teamId ?? null,
      slackUserId: slackRecipient?.userId ?? null,
      messageRef,
      sealedPassword: settings.sealer.seal(input.password),
      passwordChangedAt: at,
      requestedBy: input.requestedBy,
      connection: input.connection.name,
      expiresAt: new Date(at.getTime() + settings.lifetimeSeconds * 1000),
    },
    at,
  );
  if (messageRef) {
    await stores.outbox.enqueue(
      {
        messageRef,
        kind: "password_reveal",
        requestId: null,
        userId: user.id,
        toAddress: user.email,
      },
      at,
    );
  }
  return created;
}
