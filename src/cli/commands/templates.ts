import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Command, Option } from "commander";
import { CHANGE_PASSWORD_TEMPLATE, type StoredTemplate } from "../../db/template-store.ts";
import { describeDuration } from "../../email/describe-duration.ts";
import {
  renderChangePasswordEmail,
  sampleVariables,
  TemplateRenderError,
} from "../../email/render.ts";
import type { ChangePasswordTemplate } from "../../email/template.ts";
import {
  type RevertTemplateOutcome,
  revertChangePasswordTemplate,
  saveChangePasswordTemplate,
} from "../../email/template-edit.ts";
import {
  type CliContext,
  CliError,
  parseIntegerOption,
  readStdin,
  withContext,
} from "../context.ts";

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

export function registerTemplateCommands(program: Command): void {
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
    .action((options: { editor?: string }) => editBody(options.editor));

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
      withContext(async ({ repo, print }) => {
        const base = (await repo.templates.get(CHANGE_PASSWORD_TEMPLATE)).version;
        const outcome = await repo.transaction((stores) =>
          revertChangePasswordTemplate(stores, { toVersion, baseVersion: base, ...cliEditor() }),
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
        const variables = sampleVariables({
          tenant: config.email.tenant,
          friendly_name: config.email.friendlyName,
          support_email: config.email.supportEmail,
          support_url: config.email.supportUrl,
        });
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

/**
 * The database is closed while the editor runs: a PGlite directory is locked while open, and an
 * edit can take minutes. Saving against the version read first catches a change made meanwhile.
 */
async function editBody(editorOption: string | undefined): Promise<void> {
  const editor = editorOption || process.env.VISUAL || process.env.EDITOR;
  if (!editor) throw new CliError("no editor: set VISUAL or EDITOR, or pass --editor");
  const before = await withContext(({ repo }) => repo.templates.get(CHANGE_PASSWORD_TEMPLATE));
  const dir = await mkdtemp(join(tmpdir(), "passdesk-template-"));
  const file = join(dir, "change-password-body.html");
  let keepFile = false;
  try {
    await writeFile(file, before.body, { mode: 0o600 });
    await runEditor(editor, file);
    const body = await readFile(file, "utf8");
    await withContext(async (context) => {
      const outcome = await saveChanges(context, { body }, before.version);
      if (outcome.ok) return context.print(describeSaved(outcome));
      // A refused edit is kept, so the work is not lost: it can be fixed and saved with `set`.
      keepFile = outcome.reason !== "unchanged";
      const kept = `your edit is kept in ${file} (save it with: passdesk templates set --body-file ${file})`;
      refuse([...describeRefusal(outcome, before.version), ...(keepFile ? [kept] : [])]);
    });
  } finally {
    if (!keepFile) await rm(dir, { recursive: true, force: true });
  }
}

function runEditor(editor: string, file: string): Promise<void> {
  const quoted = process.platform === "win32" ? `"${file}"` : `'${file.replaceAll("'", "'\\''")}'`;
  return new Promise((resolve, reject) => {
    const child = spawn(`${editor} ${quoted}`, { shell: true, stdio: "inherit" });
    child.on("error", reject);
    child.on("exit", (code, signal) => {
      if (code === 0) return resolve();
      const how = signal ? `was stopped by ${signal}` : `exited with code ${code}`;
      reject(new CliError(`the template was not saved: the editor ${how}`));
    });
  });
}

function saveChanges(
  { repo }: CliContext,
  changes: Partial<ChangePasswordTemplate>,
  baseVersion: number,
) {
  return repo.transaction((stores) =>
    saveChangePasswordTemplate(stores, { changes, baseVersion, ...cliEditor() }),
  );
}

function cliEditor() {
  const user = process.env.USER ?? null;
  const actor = { actorType: "cli" as const, actorId: user };
  return { editedBy: user ? `cli:${user}` : "cli", actor };
}

function describeSaved(saved: { template: StoredTemplate; changedFields: string[] }): string {
  const changed = saved.changedFields.map(nameField).join(", ");
  return `saved version ${saved.template.version} (changed: ${changed})`;
}

function describeRefusal(
  outcome: Exclude<RevertTemplateOutcome, { ok: true }>,
  baseVersion: number,
): string[] {
  const notSaved = "the template was not saved";
  switch (outcome.reason) {
    case "version_not_found":
      return [`${notSaved}: there is no such version (0 to ${baseVersion})`];
    case "unchanged":
      return [`${notSaved}: nothing would change`];
    case "version_conflict": {
      const { version, updatedBy } = outcome.current;
      return [
        `${notSaved}: it was changed to version ${version} by ${updatedBy ?? "someone"} after version ${baseVersion}; look again with "passdesk templates show"`,
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
function nameField(field: string): string {
  return field.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}

/** A refusal: the first line says what happened, any further lines say why; exit code 1. */
function refuse(lines: string[]): void {
  process.stderr.write(
    lines.map((line, index) => (index === 0 ? `passdesk: ${line}\n` : `${line}\n`)).join(""),
  );
  process.exitCode = 1;
}
