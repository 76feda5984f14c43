import { escapeMrkdwn } from "./block-kit.ts";
import { COMMANDS } from "./contract.ts";

export type SlashCommand = (typeof COMMANDS)[keyof typeof COMMANDS];

/** The usage help a command answers with when it is run without arguments. */
export function usageMessage(command: SlashCommand, defaultConnection?: string): string {
  const syntax = `\`${escapeMrkdwn(`${command} <email | @user> [connection]`)}\``;
  const what =
    command === COMMANDS.resetPassword
      ? "emails the user a link to choose a new password."
      : "opens a form to type or generate the user's new password (admins only).";
  const connection = defaultConnection
    ? `The connection defaults to \`${escapeMrkdwn(defaultConnection)}\`.`
    : "The connection defaults to the configured one.";
  return `Usage: ${syntax} ${what}\n${connection}`;
}
