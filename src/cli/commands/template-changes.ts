import { readFile } from "node:fs/promises";
import { type Command, Option } from "commander";
import {
  type EmailTemplate,
  editsLinkFields,
  LINK_FIELDS,
  type TemplateName,
} from "../../email/template.ts";
import { revertTemplate } from "../../email/template-edit.ts";
import { CliError, type CliRuntime, parseIntegerOption, readStdin } from "../context.ts";
import { editBody } from "./template-editor.ts";
import {
  cliEditor,
  describeRefusal,
  describeSaved,
  refuse,
  saveChanges,
  templateOption,
} from "./template-outcomes.ts";

interface SetOptions {
  template: TemplateName;
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
    .addOption(templateOption())
    .option("--from <sender>", 'sender, "address" or "Name <address>" (Liquid)')
    .option("--no-from", "send from EMAIL_FROM")
    .option("--subject <subject>", "subject line (Liquid)")
    .option("--body-file <path>", "HTML body (Liquid) from a file, or - for standard input")
    .option(
      "--url-lifetime <seconds>",
      "how long the link works (300 to 2592000; change_password only)",
      wholeNumber("--url-lifetime"),
    )
    .addOption(
      new Option(
        "--redirect-to <url>",
        "where the reset page sends the user afterwards (change_password only)",
      ).conflicts("redirect"),
    )
    .option("--no-redirect", "no redirect after the reset")
    .option("--include-email", "add the user's email to the redirect URL")
    .option("--no-include-email", "do not add the user's email to the redirect URL")
    .addOption(new Option("--enable", "send this email").conflicts("disable"))
    .option("--disable", "send no such emails")
    .option(
      "--base-version <n>",
      "refuse to save unless the template is still at this version",
      wholeNumber("--base-version"),
    )
    .action(async (options: SetOptions) => {
      const changes = await readChanges(options);
      await withContext(async (context) => {
        const name = options.template;
        const base = options.baseVersion ?? (await context.repo.templates.get(name)).version;
        const outcome = await saveChanges(context, name, changes, base);
        if (outcome.ok) context.print(describeSaved(outcome));
        else refuse(describeRefusal(outcome, base, name));
      });
    });

  templates
    .command("edit")
    .description("edit the body in $VISUAL or $EDITOR and save it as a new version")
    .addOption(templateOption())
    .option("--editor <command>", "editor command; the file name is appended")
    .action((options: { editor?: string; template: TemplateName }) =>
      editBody(runtime, options.editor, options.template),
    );

  templates
    .command("revert")
    .description("save an earlier version's fields as a new version (0: the built-in default)")
    .argument("<version>", "the version to copy", wholeNumber("VERSION"))
    .addOption(templateOption())
    .action((toVersion: number, { template: name }: { template: TemplateName }) =>
      withContext(async ({ repo, print, osUser }) => {
        const base = (await repo.templates.get(name)).version;
        const outcome = await repo.transaction((stores) =>
          revertTemplate(stores, {
            name,
            toVersion,
            baseVersion: base,
            ...cliEditor(osUser),
          }),
        );
        if (outcome.ok) print(`reverted to version ${toVersion}: ${describeSaved(outcome)}`);
        else refuse(describeRefusal(outcome, base, name));
      }),
    );
}

async function readChanges(options: SetOptions): Promise<Partial<EmailTemplate>> {
  const changes: Partial<EmailTemplate> = {};
  if (options.from !== undefined) changes.from = options.from === false ? null : options.from;
  if (options.subject !== undefined) changes.subject = options.subject;
  if (options.bodyFile !== undefined) changes.body = await readBody(options.bodyFile);
  if (options.urlLifetime !== undefined) changes.urlLifetimeSeconds = options.urlLifetime;
  if (options.redirectTo !== undefined) changes.resultUrl = options.redirectTo;
  if (!options.redirect) changes.resultUrl = null;
  if (options.includeEmail !== undefined) changes.includeEmailInRedirect = options.includeEmail;
  if (!editsLinkFields(options.template) && LINK_FIELDS.some((field) => field in changes)) {
    throw new CliError(
      `the template was not saved: ${options.template} has no reset link (--url-lifetime, --redirect-to, --no-redirect and --include-email are for change_password)`,
    );
  }
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
