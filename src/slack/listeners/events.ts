import type { App } from "@slack/bolt";
import { EVENTS } from "../contract.ts";
import type { SlackDependencies } from "../dependencies.ts";
import { publishAppHome } from "../publish-app-home.ts";

export function registerEvents(app: App, deps: SlackDependencies): void {
  app.event(EVENTS[0], async ({ event, body, client }) => {
    if (event.tab !== "home") return;
    const teamId = (body as { team_id?: string }).team_id ?? "";
    await publishAppHome(deps, client, { teamId, userId: event.user });
  });
}
