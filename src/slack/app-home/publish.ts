import type { webApi } from "@slack/bolt";
import type { TemplateStore } from "../../email/ports.ts";
import { TEMPLATE_NAMES } from "../../email/template.ts";
import type { PasswordRevealStore, ResetRequestStore } from "../../password-reset/ports.ts";
import type { UserStore } from "../../users/ports.ts";
import type { SlackActor } from "../actor.ts";
import type { SlackDependencies } from "../dependencies.ts";
import { canRequestReset } from "../role-resolver.ts";
import { buildAppHome, type WaitingReveal } from "./view.ts";

const RECENT_REQUESTS = 10;
const WAITING_REVEALS = 10;

async function listWaitingReveals(repo: AppHomeDependencies["repo"]): Promise<WaitingReveal[]> {
  const reveals = await repo.passwordReveals.listPending(WAITING_REVEALS);
  const waiting = await Promise.all(
    reveals.map(async (reveal) => {
      const user = await repo.users.findById(reveal.userId);
      return user && { ...reveal, email: user.email };
    }),
  );
  return waiting.filter((reveal) => reveal !== undefined);
}

export type AppHomeDependencies = Pick<
  SlackDependencies,
  "roles" | "defaultConnection" | "bootstrapAdmins"
> & {
  /** Read only: what the tab shows. */
  repo: {
    templates: Pick<TemplateStore, "get">;
    resetRequests: Pick<ResetRequestStore, "listRecentBySlackUser">;
    passwordReveals: Pick<PasswordRevealStore, "listPending">;
    users: Pick<UserStore, "findById">;
  };
};

/** Publishes the actor's App Home tab as their roles now allow: on opening it, and after an edit. */
export async function publishAppHome(
  deps: AppHomeDependencies,
  client: webApi.WebClient,
  actor: SlackActor,
): Promise<void> {
  const roles = await deps.roles.rolesOf(actor);
  // Only staff see the email cards; a user without a role is not shown the templates at all.
  const staff = canRequestReset(roles);
  const templates = staff
    ? await Promise.all(
        TEMPLATE_NAMES.map(async (name) => ({
          name,
          template: await deps.repo.templates.get(name),
        })),
      )
    : undefined;
  const recentRequests = staff
    ? await deps.repo.resetRequests.listRecentBySlackUser(actor.userId, RECENT_REQUESTS)
    : undefined;
  const waitingReveals = roles.has("admin") ? await listWaitingReveals(deps.repo) : undefined;
  await client.views.publish({
    user_id: actor.userId,
    view: buildAppHome({
      userId: actor.userId,
      roles: { admin: roles.has("admin"), support: roles.has("support") },
      defaultConnection: deps.defaultConnection,
      adminUserIds: [...deps.bootstrapAdmins],
      ...(templates && { templates }),
      ...(recentRequests && { recentRequests }),
      ...(waitingReveals && { waitingReveals }),
    }),
  });
}
