import { readFile } from "node:fs/promises";
import { type Command, Option } from "commander";
import { previewVariables } from "../../email/change-password-variables.ts";
import { describeDuration } from "../../email/describe-duration.ts";
import { CHANGE_PASSWORD_TEMPLATE, type StoredTemplate } from "../../email/ports.ts";
import { renderChangePasswordEmail, TemplateRenderError } from "../../email/render.ts";
import type { ChangePasswordTemplate } from "../../email/template.ts";
import { revertChangePasswordTemplate } from "../../email/template-edit.ts";
import { CliError, type CliRuntime, parseIntegerOption, readStdin } from "../context.ts";
import { editBody } from "./template-editor.ts";
import {
  cliEditor,
  describeRefusal,
  describeSaved,
  nameField,
  refuse,
  saveChanges,
} from "./template-outcomes.ts";

const SHOWN_FIELDS = [
  "from",
  "subject",
  "url_lifetime_seconds",
  "result_url",
  "include_email_in_redirect",
  "enabled",
  "version",
  "updated_by",
  "updated_at",
  "body",
] as const;

type ShownField = (typeof SHOWN_FIELDS)[number];

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

export function registerTemplateCommands(program: Command, runtime: CliRuntime): void {
  const { withContext } = runtime;
  const templates = program
    .command("templates")
    .description("show, edit, preview and revert the change-password email template");

  templates
    .command("show")
    .description("print every field of the template and its body")
    .addOption(
      new Option(
        "--field <name>",
        "print only this field, raw (body: ready for --body-file)",
      ).choices(SHOWN_FIELDS),
    )
    .action((options: { field?: ShownField }) =>
      withContext(async ({ repo, print }) => {
        const template = await repo.templates.get(CHANGE_PASSWORD_TEMPLATE);
        const values = describeFields(template);
        if (options.field === "body") process.stdout.write(template.body);
        else if (options.field) print(values[options.field] ?? "");
        else showTemplate(template, values, print);
      }),
    );

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
    .command("history")
    .description("saved versions, newest first: version, when, who, changed fields")
    .option("-n, --lines <n>", "how many versions", parseIntegerOption("-n", 1, 10_000), 20)
    .action((options: { lines: number }) =>
      withContext(async ({ repo, print }) => {
        const versions = await repo.templates.history(CHANGE_PASSWORD_TEMPLATE, options.lines);
        if (versions.length === 0) print("no saved versions: the built-in default is in force");
        for (const version of versions) {
          const changed = version.changedFields.map(nameField).join(", ") || "(nothing)";
          const when = version.createdAt.toISOString();
          print(`${version.version}\t${when}\t${version.editedBy ?? "-"}\t${changed}`);
        }
      }),
    );

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

  templates
    .command("preview")
    .description("render the template with sample data: sender, subject and plain-text body")
    .action(() =>
      withContext(async ({ repo, config, print }) => {
        const template = await repo.templates.get(CHANGE_PASSWORD_TEMPLATE);
        const variables = previewVariables({ publicUrl: config.publicUrl, ...config.email });
        const email = await renderChangePasswordEmail(template, variables, {
          defaultFrom: config.email.from,
        }).catch((error: unknown) => {
          if (error instanceof TemplateRenderError) throw new CliError(error.message);
          throw error;
        });
        print(`From: ${email.from}`);
        print(`Subject: ${email.subject}`);
        print("");
        print(email.text);
      }),
    );
}

function describeFields(template: StoredTemplate): Record<ShownField, string | null> {
  return {
    from: template.from,
    subject: template.subject,
    url_lifetime_seconds: String(template.urlLifetimeSeconds),
    result_url: template.resultUrl,
    include_email_in_redirect: String(template.includeEmailInRedirect),
    enabled: String(template.enabled),
    version: String(template.version),
    updated_by: template.updatedBy,
    updated_at: template.updatedAt?.toISOString() ?? null,
    body: template.body,
  };
}

function showTemplate(
  template: StoredTemplate,
  values: Record<ShownField, string | null>,
  print: (line: string) => void,
): void {
  const notes: Partial<Record<ShownField, string>> = {
    from: template.from === null ? "EMAIL_FROM" : undefined,
    url_lifetime_seconds: describeDuration(template.urlLifetimeSeconds),
    version: template.version === 0 ? "built-in default" : undefined,
  };
  for (const field of SHOWN_FIELDS.filter((name) => name !== "body")) {
    const note = notes[field];
    print(`${field}: ${values[field] ?? "-"}${note ? ` (${note})` : ""}`);
  }
  print("body:");
  print(template.body.replace(/\n$/, ""));
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
