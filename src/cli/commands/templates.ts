import { type Command, Option } from "commander";
import { describeDuration } from "../../email/describe-duration.ts";
import type { StoredTemplate } from "../../email/ports.ts";
import { TemplateRenderError } from "../../email/render.ts";
import { renderPreview } from "../../email/render-preview.ts";
import { editsLinkFields, type TemplateName } from "../../email/template.ts";
import { CliError, type CliRuntime, parseIntegerOption } from "../context.ts";
import { registerTemplateChangeCommands } from "./template-changes.ts";
import { nameField, templateOption } from "./template-outcomes.ts";

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

const LINK_SHOWN_FIELDS: readonly ShownField[] = [
  "url_lifetime_seconds",
  "result_url",
  "include_email_in_redirect",
];

/** The fields `show` prints for `name`: the reset link's are change_password's only. */
function shownFields(name: TemplateName): ShownField[] {
  return SHOWN_FIELDS.filter(
    (field) => editsLinkFields(name) || !LINK_SHOWN_FIELDS.includes(field),
  );
}

export function registerTemplateCommands(program: Command, runtime: CliRuntime): void {
  const { withContext } = runtime;
  const templates = program
    .command("templates")
    .description(
      "show, edit, preview and revert the email templates: change_password (the reset link) and password_changed (the notice after a change)",
    );

  templates
    .command("show")
    .description("print every field of the template and its body")
    .addOption(templateOption())
    .addOption(
      new Option(
        "--field <name>",
        "print only this field, raw (body: ready for --body-file)",
      ).choices(SHOWN_FIELDS),
    )
    .action((options: { field?: ShownField; template: TemplateName }) =>
      withContext(async ({ repo, print }) => {
        const fields = shownFields(options.template);
        if (options.field && !fields.includes(options.field)) {
          throw new CliError(`${options.template} has no ${options.field}: it has no reset link`);
        }
        const template = await repo.templates.get(options.template);
        const values = describeFields(template);
        if (options.field === "body") process.stdout.write(template.body);
        else if (options.field) print(values[options.field] ?? "");
        else showTemplate(template, values, fields, print);
      }),
    );

  registerTemplateChangeCommands(templates, runtime);

  templates
    .command("history")
    .description("saved versions, newest first: version, when, who, changed fields")
    .addOption(templateOption())
    .option("-n, --lines <n>", "how many versions", parseIntegerOption("-n", 1, 10_000), 20)
    .action((options: { lines: number; template: TemplateName }) =>
      withContext(async ({ repo, print }) => {
        const versions = await repo.templates.history(options.template, options.lines);
        if (versions.length === 0) print("no saved versions: the built-in default is in force");
        for (const version of versions) {
          const changed = version.changedFields.map(nameField).join(", ") || "(nothing)";
          const when = version.createdAt.toISOString();
          print(`${version.version}\t${when}\t${version.editedBy ?? "-"}\t${changed}`);
        }
      }),
    );

  templates
    .command("preview")
    .description("render the template with sample data: sender, subject and plain-text body")
    .addOption(templateOption())
    .action(({ template: name }: { template: TemplateName }) =>
      withContext(async ({ repo, config, clock, print }) => {
        const template = await repo.templates.get(name);
        const settings = { publicUrl: config.publicUrl, ...config.email };
        const email = await renderPreview(
          name,
          template,
          { ...settings, defaultFrom: config.email.from },
          { at: clock.now() },
        ).catch((error: unknown) => {
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
  fields: ShownField[],
  print: (line: string) => void,
): void {
  const notes: Partial<Record<ShownField, string>> = {
    from: template.from === null ? "EMAIL_FROM" : undefined,
    url_lifetime_seconds: describeDuration(template.urlLifetimeSeconds),
    version: template.version === 0 ? "built-in default" : undefined,
  };
  for (const field of fields.filter((name) => name !== "body")) {
    const note = notes[field];
    print(`${field}: ${values[field] ?? "-"}${note ? ` (${note})` : ""}`);
  }
  print("body:");
  print(template.body.replace(/\n$/, ""));
}
