import {
  INPUT_ACTION_ID,
  type KnownBlock,
  type ModalView,
  mentionUser,
  mrkdwn,
  plainText,
} from "../block-kit.ts";
import { CALLBACK_IDS, MANAGE_ROLES_BLOCKS } from "../contract.ts";
import { readSelectedUsers } from "../view-state.ts";

export interface ManageRolesModalInput {
  /** Users granted the admin role in the database. */
  admins: string[];
  /** Users granted the support role in the database. */
  support: string[];
  /** SLACK_ADMIN_USERS: admins by configuration, whatever the modal says. */
  bootstrapAdmins: string[];
}

export interface ManageRolesSubmission {
  admins: string[];
  support: string[];
}

/**
 * The admin-only "Manage roles" modal opened from the App Home tab: one user picker per role.
 * Bootstrap admins are listed beside the pickers, not in them: removing them in a picker could
 * not take their role away, so the modal would lie.
 */
export function buildManageRolesModal(input: ManageRolesModalInput): ModalView {
  const bootstrap = new Set(input.bootstrapAdmins);
  return {
    type: "modal",
    callback_id: CALLBACK_IDS.manageRolesModal,
    title: plainText("Manage roles"),
    submit: plainText("Save"),
    close: plainText("Cancel"),
    blocks: [
      usersInput(
        MANAGE_ROLES_BLOCKS.admins,
        "Admins",
        "Can do everything: reset and set passwords, manage roles.",
        input.admins.filter((user) => !bootstrap.has(user)),
      ),
      usersInput(
        MANAGE_ROLES_BLOCKS.support,
        "Support",
        "Can send password reset emails with /reset-password.",
        input.support,
      ),
      { type: "context", elements: [mrkdwn(describeBootstrapAdmins(input.bootstrapAdmins))] },
    ],
  };
}

function usersInput(blockId: string, label: string, hint: string, users: string[]): KnownBlock {
  return {
    type: "input",
    block_id: blockId,
    optional: true,
    label: plainText(label),
    hint: plainText(hint),
    element: {
      type: "multi_users_select",
      action_id: INPUT_ACTION_ID,
      placeholder: plainText("Choose people"),
      ...(users.length > 0 ? { initial_users: [...new Set(users)] } : {}),
    },
  };
}

function describeBootstrapAdmins(userIds: string[]): string {
  if (userIds.length === 0) {
    return "No bootstrap admins are configured in `SLACK_ADMIN_USERS`.";
  }
  const mentions = userIds.map(mentionUser).join(", ");
  return `Always admins, from \`SLACK_ADMIN_USERS\` (cannot be removed here): ${mentions}`;
}

/** Reads the modal's `view.state.values`; missing or forged pickers read as no one. */
export function readManageRolesSubmission(values: unknown): ManageRolesSubmission {
  return {
    admins: readSelectedUsers(values, MANAGE_ROLES_BLOCKS.admins, INPUT_ACTION_ID),
    support: readSelectedUsers(values, MANAGE_ROLES_BLOCKS.support, INPUT_ACTION_ID),
  };
}
