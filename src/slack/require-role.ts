import type { Role } from "../roles/ports.ts";
import { recordAccessDenied } from "../roles/record-denial.ts";
import type { SlackActor } from "./actor.ts";
import type { SlackDependencies } from "./dependencies.ts";
import { canAdminister, canRequestReset } from "./role-resolver.ts";

export type RoleGuardDependencies = Pick<SlackDependencies, "roles" | "logger"> & {
  repo: Pick<SlackDependencies["repo"], "audit">;
};

/**
 * Whether the actor holds `role` now (an admin holds support's too), looked up afresh on every
 * call: a revoked role stops working at once, and a forged request from a button or modal shown
 * earlier changes nothing. A refusal is audited as `attempted`.
 */
export async function requireRole(
  deps: RoleGuardDependencies,
  actor: SlackActor,
  role: Role,
  attempted: string,
): Promise<boolean> {
  const roles = await deps.roles.rolesOf(actor);
  if (role === "admin" ? canAdminister(roles) : canRequestReset(roles)) return true;
  await recordDenial(deps, actor, attempted);
  return false;
}

/** Logs and audits a refused attempt. */
async function recordDenial(
  deps: RoleGuardDependencies,
  actor: SlackActor,
  attempted: string,
): Promise<void> {
  deps.logger.warn({ slackUserId: actor.userId, attempted }, "Slack action denied");
  await recordAccessDenied(deps.repo.audit, actor, attempted);
}
