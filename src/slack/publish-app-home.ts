import type { webApi } from "@slack/bolt";
import { CHANGE_PASSWORD_TEMPLATE } from "../email/ports.ts";
import type { SlackDependencies } from "./dependencies.ts";
import { canRequestReset, type SlackActor } from "./roles.ts";
import { buildAppHome } from "./views/app-home.ts";

const RECENT_REQUESTS = 10;

/** Publishes the actor's App Home tab as their roles now allow: on opening it, and after an edit. */
export async function publishAppHome(
  deps: SlackDependencies,
  client: webApi.WebClient,
  actor: SlackActor,
): Promise<void> {
  const roles = await deps.roles.rolesOf(actor);
  // Only staff see the email card; a user without a role is not shown the template at all.
  const staff = canRequestReset(roles);
  const template = staff ? await deps.repo.templates.get(CHANGE_PASSWORD_TEMPLATE) : undefined;
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
      ...(template && { template }),
      ...(recentRequests && { recentRequests }),
    }),
  });
}
