import { readFile } from "node:fs/promises";
import { type Command, Option } from "commander";
import { CHANGE_PASSWORD_TEMPLATE } from "../../email/ports.ts";
import type { ChangePasswordTemplate } from "../../email/template.ts";
import { revertChangePasswordTemplate } from "../../email/template-edit.ts";
import { CliError, type CliRuntime, parseIntegerOption, readStdin } from "../context.ts";
import { editBody } from "./template-editor.ts";
import {
  cliEditor,
  describeRefusal,
  describeSaved,
  refuse,
  saveChanges,
} from "./template-outcomes.ts";

interface SetOptions {
  from?: string | false;
  subject?: string;
  bodyFile?: string;
  urlLifetime?: number;
  redirectTo?: string;
  /** `--no-redirect` sets it to false; it is true otherwise. */
  redirect: boolean;
  includeEmail?: boolean;
  enable?: boolean;
  disable?: boolean;
  baseVersion?: number;
}

const wholeNumber = (name: string) => parseIntegerOption(name, 0, Number.MAX_SAFE_INTEGER);

/** `templates set`, `edit` and `revert`: each saves a new version, refused on a conflict. */
export function registerTemplateChangeCommands(templates: Command, runtime: CliRuntime): void {
  const { withContext } = runtime;
  templates
    .command("set")
    .description("save a new version with the given fields changed (validated first)")
    .option("--from <sender>", 'sender, "address" or "Name <address>" (Liquid)')
    .option("--no-from", "send from EMAIL_FROM")
    .option("--subject <subject>", "subject line (Liquid)")
    .option("--body-file <path>", "HTML body (Liquid) from a file, or - for standard input")
    .option(
      "--url-lifetime <seconds>",
      "how long the link works (300 to 2592000)",
      wholeNumber("--url-lifetime"),
    )
    .addOption(
      new Option("--redirect-to <url>", "where the reset page sends the user afterwards").conflicts(
        "redirect",
      ),
    )
    .option("--no-redirect", "no redirect after the reset")
    .option("--include-email", "add the user's email to the redirect URL")
    .option("--no-include-email", "do not add the user's email to the redirect URL")
    .addOption(new Option("--enable", "send reset emails").conflicts("disable"))
    .option("--disable", "send no reset emails")
    .option(
      "--base-version <n>",
      "refuse to save unless the template is still at this version",
      wholeNumber("--base-version"),
    )
    .action(async (options: SetOptions) => {
      const changes = await readChanges(options);
      await withContext(async (context) => {
        const base =
          options.baseVersion ??
          (await context.repo.templates.get(CHANGE_PASSWORD_TEMPLATE)).version;
        const outcome = await saveChanges(context, changes, base);
        if (outcome.ok) context.print(describeSaved(outcome));
        else refuse(describeRefusal(outcome, base));
      });
    });

  templates
    .command("edit")
    .description("edit the body in $VISUAL or $EDITOR and save it as a new version")
    .option("--editor <command>", "editor command; the file name is appended")
    .action((options: { editor?: string }) => editBody(runtime, options.editor));

  templates
    .command("revert")
    .description("save an earlier version's fields as a new version (0: the built-in default)")
    .argument("<version>", "the version to copy", wholeNumber("VERSION"))
    .action((toVersion: number) =>
      withContext(async ({ repo, print, osUser }) => {
        const base = (await repo.templates.get(CHANGE_PASSWORD_TEMPLATE)).version;
        const outcome = await repo.transaction((stores) =>
          revertChangePasswordTemplate(stores, {
            toVersion,
            baseVersion: base,
            ...cliEditor(osUser),
          }),
        );
        if (outcome.ok) print(`reverted to version ${toVersion}: ${describeSaved(outcome)}`);
        else refuse(describeRefusal(outcome, base));
      }),
    );
}

async function readChanges(options: SetOptions): Promise<Partial<ChangePasswordTemplate>> {
  const changes: Partial<ChangePasswordTemplate> = {};
  if (options.from !== undefined) changes.from = options.from === false ? null : options.from;
  if (options.subject !== undefined) changes.subject = options.subject;
  if (options.bodyFile !== undefined) changes.body = await readBody(options.bodyFile);
  if (options.urlLifetime !== undefined) changes.urlLifetimeSeconds = options.urlLifetime;
  if (options.redirectTo !== undefined) changes.resultUrl = options.redirectTo;
  if (!options.redirect) changes.resultUrl = null;
  if (options.includeEmail !== undefined) changes.includeEmailInRedirect = options.includeEmail;
  if (options.enable || options.disable) changes.enabled = options.enable === true;
  if (Object.keys(changes).length === 0)
    throw new CliError("the template was not saved: no field to change was given (see --help)");
  return changes;
}

async function readBody(path: string): Promise<string> {
  if (path === "-") return readStdin();
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    throw new CliError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? "error"}`);
  }
}
