import type {
  AllMiddlewareArgs,
  BlockAction,
  RadioButtonsAction,
  SlackActionMiddlewareArgs,
} from "@slack/bolt";
import type { ConnectionStore } from "../../users/ports.ts";
import { actorOfInteraction } from "../actor.ts";
import { ACTION_IDS } from "../contract.ts";
import type { RoleGuardDependencies } from "../require-role.ts";
import { requireRole } from "../require-role.ts";
import { buildSetPasswordModal } from "./modal.ts";
import { readSetPasswordMode } from "./submission.ts";
import { decodeTarget } from "./target.ts";

type ModeSwitchArgs = Pick<
  SlackActionMiddlewareArgs<BlockAction<RadioButtonsAction>> & AllMiddlewareArgs,
  "ack" | "body" | "action" | "client"
>;

export type ModeSwitchDependencies = RoleGuardDependencies & {
  /** Read only: the policy the typed password is checked against, shown in the modal. */
  connections: Pick<ConnectionStore, "findByName">;
};

/** The modal's Type / Generate / Send radio: rebuilds the modal for the chosen mode. */
export function createModeSwitch(deps: ModeSwitchDependencies) {
  return async function switchSetPasswordMode({ ack, body, action, client }: ModeSwitchArgs) {
    await ack();
    const actor = actorOfInteraction(body);
    if (!(await requireRole(deps, actor, "admin", ACTION_IDS.setPasswordMode))) return;
    const target = decodeTarget(body.view?.private_metadata);
    if (!target || !body.view) return;
    const connection = await deps.connections.findByName(target.connection);
    if (!connection) return;
    await client.views.update({
      view_id: body.view.id,
      hash: body.view.hash,
      view: buildSetPasswordModal({
        target: { email: target.email, name: target.name, connection: target.connection },
        policy: connection.policy,
        mode: readSetPasswordMode(action.selected_option?.value),
        privateMetadata: body.view.private_metadata,
      }),
    });
  };
}
