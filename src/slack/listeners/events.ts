import type { App } from "@slack/bolt";
import { EVENTS } from "../contract.ts";
import type { SlackDependencies } from "../dependencies.ts";
import { buildAppHome } from "../views/app-home.ts";

export function registerEvents(app: App, deps: SlackDependencies): void {
  app.event(EVENTS[0], async ({ event, body, client }) => {
    if (event.tab !== "home") return;
    const teamId = (body as { team_id?: string }).team_id ?? "";
    const roles = await deps.roles.rolesOf({ teamId, userId: event.user });
    await client.views.publish({
      user_id: event.user,
      view: buildAppHome({
        userId: event.user,
        roles: { admin: roles.has("admin"), support: roles.has("support") },
        defaultConnection: deps.defaultConnection,
        adminUserIds: [...deps.bootstrapAdmins],
      }),
    });
  });
}
