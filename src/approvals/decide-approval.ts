import type { AuditEntry, AuditLog } from "../audit/ports.ts";
import type { Clock } from "../clock.ts";
import {
  type AdminSetPasswordDependencies,
  type AdminSetPasswordResult,
  setPasswordByAdmin,
} from "../password-reset/admin-set-password.ts";
import type { SlackRecipient } from "../password-reset/ports.ts";
import { HasherBusyError } from "../passwords/bounded-hasher.ts";
import type { UserStore } from "../users/ports.ts";
import type {
  SetPasswordApproval,
  SetPasswordApprovalStore,
  SetPasswordDecision,
  SlackActor,
} from "./ports.ts";

export interface DecideApprovalPorts {
  setPasswordApprovals: Pick<SetPasswordApprovalStore, "findByPublicId" | "decide" | "markFailed">;
  users: Pick<UserStore, "findById">;
  audit: Pick<AuditLog, "record">;
}

export interface DecideApprovalDependencies extends Omit<AdminSetPasswordDependencies, "repo"> {
  repo: DecideApprovalPorts & AdminSetPasswordDependencies["repo"];
  clock: Clock;
  /** The user's own, confirmed Slack account, asked only once the request is approved. */
  findSlackRecipient(email: string): Promise<SlackRecipient | null>;
}

type PasswordSet = Extract<AdminSetPasswordResult, { ok: true }>;

/** The request as it stands, and its user's email (null once the user is gone). */
interface Decided {
  approval: SetPasswordApproval;
  email: string | null;
}

export type DecideApprovalResult =
  | ({ ok: true; decision: "approved"; set: PasswordSet } & Decided)
  | ({ ok: true; decision: "denied" } & Decided)
  | { ok: false; reason: "not_found" }
  /** Refused, changing nothing: the requester's own click, or a request decided or expired. */
  | ({ ok: false; reason: "self_approval" | "not_pending" } & Decided)
  /** Approved, but the password could not be set (the user gone, the policy): nothing changed. */
  | ({ ok: false; reason: "set_failed"; failure: string } & Decided);

/**
 * A second admin approves or denies a set another admin asked for. The caller has checked the
 * decider is an admin at the click; this checks the rest at the click too, and the decision is
 * one guarded update, so a double click, two approvers, a replayed click after the decision or
 * after expiry, or the requester's own click change nothing. On approval the password is
 * generated now and sent to the user alone (mode `send`): no admin ever sees it.
 */
export async function decideSetPasswordApproval(
  deps: DecideApprovalDependencies,
  input: { publicId: string; decider: SlackActor; decision: SetPasswordDecision },
): Promise<DecideApprovalResult> {
  const { repo, clock } = deps;
  const found = await repo.setPasswordApprovals.findByPublicId(input.publicId);
  if (!found) return { ok: false, reason: "not_found" };
  const user = await repo.users.findById(found.userId);
  const email = user?.email ?? null;
  const audit = (action: string, outcome: string, details: Record<string, unknown> = {}) =>
    repo.audit.record({
      actorType: "slack",
      actorId: input.decider.userId,
      action,
      outcome,
      targetEmail: user?.email ?? null,
      connection: found.connection,
      details: {
        approval: found.publicId,
        requestedBy: found.requester.userId,
        teamId: input.decider.teamId,
        ...details,
      },
    } satisfies AuditEntry);

  if (found.requester.userId === input.decider.userId) {
    await audit("password.approval_refused", "self_approval", { decision: input.decision });
    return { ok: false, reason: "self_approval", approval: found, email };
  }
  const approval = await repo.setPasswordApprovals.decide(
    found.id,
    input.decision,
    input.decider.userId,
    clock.now(),
  );
  if (!approval) {
    await audit("password.approval_refused", "not_pending", { decision: input.decision });
    return { ok: false, reason: "not_pending", approval: found, email };
  }
  if (approval.status === "denied") {
    await audit("password.set_denied", "denied");
    return { ok: true, decision: "denied", approval, email };
  }
  await audit("password.set_approved", "approved");

  const failed = async (failure: string) => {
    const marked = (await repo.setPasswordApprovals.markFailed(approval.id)) ?? approval;
    await audit("password.set_approved", "failed", { failure });
    return { ok: false as const, reason: "set_failed" as const, approval: marked, email, failure };
  };
  if (!user) return failed("user_not_found");
  let set: AdminSetPasswordResult;
  try {
    set = await setPasswordByAdmin(deps, {
      mode: "send",
      slackRecipient: await deps.findSlackRecipient(user.email),
      target: { connection: approval.connection, email: user.email, userId: user.id },
      notify: false,
      actor: input.decider,
      approved: { approval: approval.publicId, requester: approval.requester },
    });
  } catch (error) {
    // Busy hashing, nothing changed: the requester asks again, as for any refused set.
    if (error instanceof HasherBusyError) return failed("hasher_busy");
    await failed("error");
    throw error;
  }
  if (!set.ok) return failed(set.reason);
  return { ok: true, decision: "approved", approval, email, set };
}
