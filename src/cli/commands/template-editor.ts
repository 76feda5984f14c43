import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CHANGE_PASSWORD_TEMPLATE, type TemplateName } from "../../email/template.ts";
import { CliError, type CliRuntime } from "../context.ts";
import { describeRefusal, describeSaved, refuse, saveChanges } from "./template-outcomes.ts";

/**
 * The database is closed while the editor runs: a PGlite directory is locked while open, and an
 * edit can take minutes. Saving against the version read first catches a change made meanwhile.
 */
export async function editBody(
  { withContext, editor: editorFromEnv }: CliRuntime,
  editorOption: string | undefined,
  name: TemplateName,
): Promise<void> {
  const editor = editorOption || editorFromEnv;
  if (!editor) throw new CliError("no editor: set VISUAL or EDITOR, or pass --editor");
  const before = await withContext(({ repo }) => repo.templates.get(name));
  const dir = await mkdtemp(join(tmpdir(), "passdesk-template-"));
  const file = join(dir, `${name.replace("_", "-")}-body.html`);
  let keepFile = false;
  try {
    await writeFile(file, before.body, { mode: 0o600 });
    await runEditor(editor, file);
    const body = await readFile(file, "utf8");
    await withContext(async (context) => {
      const outcome = await saveChanges(context, name, { body }, before.version);
      if (outcome.ok) return context.print(describeSaved(outcome));
      // A refused edit is kept, so the work is not lost: it can be fixed and saved with `set`.
      keepFile = outcome.reason !== "unchanged";
      const option = name === CHANGE_PASSWORD_TEMPLATE ? "" : ` --template ${name}`;
      const kept = `your edit is kept in ${file} (save it with: passdesk templates set${option} --body-file ${file})`;
      refuse([...describeRefusal(outcome, before.version, name), ...(keepFile ? [kept] : [])]);
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
