import type { App, BlockAction } from "@slack/bolt";
import { ACTION_IDS, CALLBACK_IDS } from "../contract.ts";
import type { SlackDependencies } from "../dependencies.ts";
import { createOpenManageRoles } from "./open-modal.ts";
import { createManageRolesSubmit } from "./submit.ts";

/** Role management: the App Home's "Manage roles" button and the modal it opens. */
export function registerRoles(app: App, deps: SlackDependencies): void {
  app.action<BlockAction>(
    ACTION_IDS.openManageRoles,
    createOpenManageRoles({ ...deps, grants: deps.repo.roles }),
  );
  app.view(
    CALLBACK_IDS.manageRolesModal,
    createManageRolesSubmit({
      ...deps,
      grants: { roles: deps.repo.roles, audit: deps.repo.audit },
    }),
  );
}
