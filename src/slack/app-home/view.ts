import type { RecentRequest } from "../../password-reset/ports.ts";
import {
  escapeMrkdwn,
  type HomeView,
  type KnownBlock,
  mentionUser,
  mrkdwn,
  plainText,
} from "../block-kit.ts";
import { ACTION_IDS, COMMANDS } from "../contract.ts";
import { slackDate } from "../reveal/message.ts";
import { buildTemplateCard, type TemplateCard } from "../templates/card.ts";
import { buildRecentRequestsSection } from "./recent-requests.ts";

export interface AppHomeInput {
  userId: string;
  roles: { admin: boolean; support: boolean };
  defaultConnection: string;
  /** Admins to name to a user without a role (for example the bootstrap admins). */
  adminUserIds?: string[];
  /** The email templates, for staff: cards admins can act on, read-only for support. */
  templates?: TemplateCard[];
  /** The viewer's own recent /reset-password requests, for staff. */
  recentRequests?: RecentRequest[];
  /** Passwords sent to their users ("Send it to the user") and not yet revealed, for admins. */
  waitingReveals?: WaitingReveal[];
}

export interface WaitingReveal {
  email: string;
  connection: string;
  requestedBy: string;
  channel: "slack" | "email";
  expiresAt: Date;
}

/**
 * The App Home tab, built for the user viewing it: what their roles let them do, and the admin
 * tools when they are an admin. Roles are re-checked when a tool is used; this only guides.
 */
export function buildAppHome(input: AppHomeInput): HomeView {
  const { admin } = input.roles;
  const support = input.roles.support || admin;
  const blocks: KnownBlock[] = [
    { type: "header", text: plainText("Passdesk") },
    {
      type: "section",
      text: mrkdwn(`Hi ${mentionUser(input.userId)}. Passdesk manages passwords for our users.`),
    },
  ];
  if (!support) {
    blocks.push(noRoleSection(input.adminUserIds ?? []));
    return { type: "home", blocks };
  }
  blocks.push({ type: "divider" }, resetPasswordSection(input.defaultConnection));
  if (admin) {
    blocks.push(setPasswordSection());
    if (input.waitingReveals && input.waitingReveals.length > 0) {
      blocks.push(waitingRevealsSection(input.waitingReveals));
    }
    blocks.push({ type: "divider" }, ...adminToolSections(input.templates));
  } else {
    blocks.push(...templateCards(input.templates, false));
  }
  if (input.recentRequests) {
    blocks.push({ type: "divider" }, ...buildRecentRequestsSection(input.recentRequests));
  }
  return { type: "home", blocks };
}

function usage(command: string): string {
  return `\`${escapeMrkdwn(`${command} <email | @user> [connection]`)}\``;
}

function resetPasswordSection(defaultConnection: string): KnownBlock {
  return {
    type: "section",
    text: mrkdwn(
      `*Send a password reset email*\n${usage(COMMANDS.resetPassword)}\nThe connection defaults to \`${escapeMrkdwn(defaultConnection)}\`.`,
    ),
  };
}

function setPasswordSection(): KnownBlock {
  return {
    type: "section",
    text: mrkdwn(
      `*Set a password* (admins)\n${usage(COMMANDS.setPassword)}\nType a new password, generate one, or send one to the user that only they see.`,
    ),
  };
}

function waitingRevealsSection(reveals: WaitingReveal[]): KnownBlock {
  const lines = reveals.map(
    (reveal) =>
      `• *${escapeMrkdwn(reveal.email)}* (\`${escapeMrkdwn(reveal.connection)}\`), by ${mentionUser(reveal.requestedBy)}, ${reveal.channel === "slack" ? "Slack DM" : "email"}: waiting for the user until ${slackDate(reveal.expiresAt)}`,
  );
  return {
    type: "section",
    text: mrkdwn(`*Waiting for the user*\n${lines.join("\n")}`.slice(0, 3000)),
  };
}

// Admin tools, one section builder each.
function adminToolSections(templates: TemplateCard[] | undefined): KnownBlock[] {
  return [manageRolesSection(), ...templateCards(templates, true)];
}

function templateCards(cards: TemplateCard[] = [], editable: boolean): KnownBlock[] {
  return cards.flatMap((card) => [
    { type: "divider" } as const,
    ...buildTemplateCard(card, { editable }),
  ]);
}

function manageRolesSection(): KnownBlock {
  return {
    type: "section",
    text: mrkdwn("*Roles*\nChoose who has the support and admin roles."),
    accessory: {
      type: "button",
      action_id: ACTION_IDS.openManageRoles,
      text: plainText("Manage roles"),
    },
  };
}

function noRoleSection(adminUserIds: string[]): KnownBlock {
  const whom =
    adminUserIds.length > 0
      ? `a Passdesk admin (${adminUserIds.map(mentionUser).join(", ")})`
      : "a Passdesk admin";
  return {
    type: "section",
    text: mrkdwn(
      `You have no Passdesk role, so you cannot use its commands. To send password reset emails, ask ${whom} for the *support* role.`,
    ),
  };
}
