import { Option } from "commander";
import type { StoredTemplate } from "../../email/ports.ts";
import {
  CHANGE_PASSWORD_TEMPLATE,
  type EmailTemplate,
  TEMPLATE_NAMES,
  type TemplateName,
} from "../../email/template.ts";
import { type RevertTemplateOutcome, saveTemplate } from "../../email/template-edit.ts";
import type { CliContext } from "../context.ts";

/** `--template`: which email a `templates` command works on; change_password when left out. */
export function templateOption(): Option {
  return new Option("--template <name>", "the email: the reset link, or the changed notice")
    .choices(TEMPLATE_NAMES)
    .default(CHANGE_PASSWORD_TEMPLATE);
}

export function saveChanges(
  { repo, osUser }: CliContext,
  name: TemplateName,
  changes: Partial<EmailTemplate>,
  baseVersion: number,
) {
  return repo.transaction((stores) =>
    saveTemplate(stores, { name, changes, baseVersion, ...cliEditor(osUser) }),
  );
}

/** Who a template version saved from the CLI is by: the OS user that ran the command. */
export function cliEditor(osUser: string | null) {
  const actor = { actorType: "cli" as const, actorId: osUser };
  return { editedBy: osUser ? `cli:${osUser}` : "cli", actor };
}

export function describeSaved(saved: {
  template: StoredTemplate;
  changedFields: string[];
}): string {
  const changed = saved.changedFields.map(nameField).join(", ");
  return `saved version ${saved.template.version} (changed: ${changed})`;
}

export function describeRefusal(
  outcome: Exclude<RevertTemplateOutcome, { ok: true }>,
  baseVersion: number,
  name: TemplateName,
): string[] {
  const show =
    name === CHANGE_PASSWORD_TEMPLATE
      ? "passdesk templates show"
      : `passdesk templates show --template ${name}`;
  const notSaved = "the template was not saved";
  switch (outcome.reason) {
    case "version_not_found":
      return [`${notSaved}: there is no such version (0 to ${baseVersion})`];
    case "unchanged":
      return [`${notSaved}: nothing would change`];
    case "version_conflict": {
      const { version, updatedBy } = outcome.current;
      return [
        `${notSaved}: it was changed to version ${version} by ${updatedBy ?? "someone"} after version ${baseVersion}; look again with "${show}"`,
      ];
    }
    case "invalid":
      return [
        `${notSaved}: ${outcome.problems.length === 1 ? "1 problem" : `${outcome.problems.length} problems`}`,
        ...outcome.problems.map((problem) => `${nameField(problem.field)}: ${problem.message}`),
      ];
  }
}

/** `urlLifetimeSeconds` → `url_lifetime_seconds`, as `show` prints it. */
export function nameField(field: string): string {
  return field.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}

/** A refusal: the first line says what happened, any further lines say why; exit code 1. */
export function refuse(lines: string[]): void {
  process.stderr.write(
    lines.map((line, index) => (index === 0 ? `passdesk: ${line}\n` : `${line}\n`)).join(""),
  );
  process.exitCode = 1;
}
