import { recordDenial, type SlackDependencies } from "../dependencies.ts";
import { canAdminister, type SlackActor } from "../roles.ts";

/** Whether the actor is an admin now, looked up afresh; a refusal is audited. */
export async function isAdmin(
  deps: SlackDependencies,
  actor: SlackActor,
  attempted: string,
): Promise<boolean> {
  if (canAdminister(await deps.roles.rolesOf(actor))) return true;
  await recordDenial(deps, actor, attempted);
  return false;
}
