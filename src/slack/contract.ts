/**
 * Everything Passdesk's Slack app asks of Slack, in one place: the listeners register these and
 * a test checks slack-manifest.yml declares exactly them.
 */
export const COMMANDS = {
  resetPassword: "/reset-password",
  setPassword: "/set-password",
} as const;

/** Global shortcuts, declared in the manifest under `features.shortcuts`. */
export const SHORTCUTS = {
  editPasswordEmail: {
    callbackId: "edit_password_email",
    name: "Edit password email",
    description: "Edit the change-password email (admins)",
  },
} as const;

export const CALLBACK_IDS = {
  setPasswordModal: "set_password",
  manageRolesModal: "manage_roles",
  templateEditModal: "template_edit",
  templatePreviewModal: "template_preview",
  templateHistoryModal: "template_history",
} as const;

export const ACTION_IDS = {
  setPasswordMode: "set_password_mode",
  openManageRoles: "open_manage_roles",
  openTemplateEdit: "open_template_edit",
  openTemplatePreview: "open_template_preview",
  sendTemplateTest: "send_template_test",
  openTemplateHistory: "open_template_history",
  revertTemplate: "revert_template",
  resendReset: "resend_reset",
  unblockSignIn: "unblock_sign_in",
  revealPassword: "reveal_password",
  resetSecuredAccount: "reset_secured_account",
  unblockSecuredAccount: "unblock_secured_account",
  approveSetPassword: "approve_set_password",
  denySetPassword: "deny_set_password",
} as const;

export const EVENTS = ["app_home_opened"] as const;

/** Bot scopes, each for the Web API methods named beside it. */
export const BOT_SCOPES = {
  commands: "slash commands",
  "chat:write": "chat.postMessage, chat.postEphemeral, chat.update (audit channel, replies)",
  "users:read": "users.info",
  "users:read.email":
    "users.info profile.email for @user targets; users.lookupByEmail to DM a password to its user",
  "usergroups:read": "usergroups.users.list for role groups",
  "im:write":
    "conversations.open to DM a requester whose reset email bounced, or a user their new password",
} as const;

/** Block IDs of the set-password modal, which view_submission errors are keyed to. */
export const SET_PASSWORD_BLOCKS = {
  mode: "mode",
  password: "password",
  confirmation: "confirmation",
  notify: "notify",
  /** Four-eyes approval: why the password needs setting, shown on the approval card. */
  reason: "reason",
} as const;

export const MANAGE_ROLES_BLOCKS = {
  admins: "admins",
  support: "support",
} as const;

/** Block IDs of the change-password email's edit modal, which view_submission errors are keyed to. */
export const TEMPLATE_EDIT_BLOCKS = {
  from: "from",
  subject: "subject",
  body: "body",
  urlLifetime: "url_lifetime",
  redirect: "redirect",
  includeEmail: "include_email",
  enabled: "enabled",
} as const;
