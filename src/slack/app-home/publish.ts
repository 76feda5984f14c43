import type { webApi } from "@slack/bolt";
import type { TemplateStore } from "../../email/ports.ts";
import { TEMPLATE_NAMES } from "../../email/template.ts";
import type { ResetRequestStore } from "../../password-reset/ports.ts";
import type { SlackActor } from "../actor.ts";
import type { SlackDependencies } from "../dependencies.ts";
import { canRequestReset } from "../role-resolver.ts";
import { buildAppHome } from "./view.ts";

const RECENT_REQUESTS = 10;

export type AppHomeDependencies = Pick<
  SlackDependencies,
  "roles" | "defaultConnection" | "bootstrapAdmins"
> & {
  /** Read only: what the tab shows. */
  repo: {
    templates: Pick<TemplateStore, "get">;
    resetRequests: Pick<ResetRequestStore, "listRecentBySlackUser">;
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
  await client.views.publish({
    user_id: actor.userId,
    view: buildAppHome({
      userId: actor.userId,
      roles: { admin: roles.has("admin"), support: roles.has("support") },
      defaultConnection: deps.defaultConnection,
      adminUserIds: [...deps.bootstrapAdmins],
      ...(templates && { templates }),
      ...(recentRequests && { recentRequests }),
    }),
  });
}
