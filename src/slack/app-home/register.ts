import type { AllMiddlewareArgs, App, SlackEventMiddlewareArgs } from "@slack/bolt";
import { EVENTS } from "../contract.ts";
import { type AppHomeDependencies, publishAppHome } from "./publish.ts";

type OpenedArgs = Pick<
  SlackEventMiddlewareArgs<"app_home_opened"> & AllMiddlewareArgs,
  "event" | "body" | "client"
>;

/** The App Home tab, published afresh each time a user opens it. */
export function createAppHomeOpened(deps: AppHomeDependencies) {
  return async function showAppHome({ event, body, client }: OpenedArgs) {
    if (event.tab !== "home") return;
    const teamId = (body as { team_id?: string }).team_id ?? "";
    await publishAppHome(deps, client, { teamId, userId: event.user });
  };
}

export function registerAppHome(app: App, deps: AppHomeDependencies): void {
  app.event(EVENTS[0], createAppHomeOpened(deps));
}
