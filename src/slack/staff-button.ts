import type {
  AllMiddlewareArgs,
  BlockAction,
  ButtonAction,
  SlackActionMiddlewareArgs,
} from "@slack/bolt";
import type { Role } from "../roles/ports.ts";
import { actorOfInteraction, type SlackActor } from "./actor.ts";
import { type RoleGuardDependencies, requireRole } from "./require-role.ts";

/** What a button's listener gets from Bolt, of which every staff button uses these. */
export type StaffButtonArgs = Pick<
  SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs,
  "ack" | "body" | "action" | "respond"
>;

export interface StaffClick<A extends StaffButtonArgs> {
  args: A;
  actor: SlackActor;
  /** Answers only the clicker, below the message. */
  reply(text: string): Promise<void>;
}

export interface StaffButtonGuard {
  role: Role;
  /** What a refusal is audited as. */
  actionId: string;
  refusal: string;
}

/** The guard of a button for support or admin; `doing` completes "You need … role to". */
export function supportOnly(actionId: string, doing: string): StaffButtonGuard {
  return {
    role: "support",
    actionId,
    refusal: `You need the *support* or *admin* role to ${doing}: ask a Passdesk admin.`,
  };
}

/**
 * A button on a message for staff: acked at once; the clicker's role checked now, not when the
 * message was posted (a refusal is audited as `actionId` and answered with `refusal`); every
 * answer seen only by the clicker.
 */
export function staffButton<A extends StaffButtonArgs>(
  deps: RoleGuardDependencies,
  guard: StaffButtonGuard,
  onClick: (click: StaffClick<A>) => Promise<void>,
): (args: A) => Promise<void> {
  return async (args) => {
    await args.ack();
    const actor = actorOfInteraction(args.body);
    const reply = async (text: string) => {
      await args.respond({ response_type: "ephemeral", replace_original: false, text });
    };
    if (!(await requireRole(deps, actor, guard.role, guard.actionId))) {
      return reply(guard.refusal);
    }
    await onClick({ args, actor, reply });
  };
}
