import type { AuditLog } from "../audit/ports.ts";
import type { StoredTemplate, TemplateStore } from "./ports.ts";
import {
  DEFAULT_TEMPLATES,
  type EmailTemplate,
  editsLinkFields,
  LINK_FIELDS,
  type TemplateName,
} from "./template.ts";
import { type TemplateProblem, validateTemplate } from "./validate-template.ts";

export interface TemplateEditActor {
  actorType: "cli" | "slack";
  actorId: string | null;
}

interface TemplateEdit {
  /** Which email is edited. */
  name: TemplateName;
  /** The version the editor started from: a save based on an older one is a conflict. */
  baseVersion: number;
  /** Recorded with the version, e.g. `cli:alice` or a Slack user ID. */
  editedBy: string;
  actor: TemplateEditActor;
}

export interface SaveTemplateInput extends TemplateEdit {
  /** Fields left out (or undefined) keep their current value; `null` is a value. */
  changes: Partial<EmailTemplate>;
}

export interface RevertTemplateInput extends TemplateEdit {
  /** A saved version, or 0 for the built-in default. */
  toVersion: number;
}

export type SaveTemplateOutcome =
  | { ok: true; template: StoredTemplate; changedFields: string[] }
  | { ok: false; reason: "invalid"; problems: TemplateProblem[] }
  | { ok: false; reason: "version_conflict"; current: StoredTemplate }
  | { ok: false; reason: "unchanged" };

export type RevertTemplateOutcome =
  | SaveTemplateOutcome
  | { ok: false; reason: "version_not_found" };

/** Where templates are kept, and the audit log their changes are recorded in. */
export interface TemplateEditPorts {
  templates: TemplateStore;
  audit: Pick<AuditLog, "record">;
}

const FIELDS = Object.keys(DEFAULT_TEMPLATES.change_password) as Array<keyof EmailTemplate>;

/** The fields an edit of `name` may change: the reset link's fields are change_password's only. */
export function editableFields(name: TemplateName): Array<keyof EmailTemplate> {
  if (editsLinkFields(name)) return FIELDS;
  return FIELDS.filter((field) => !(LINK_FIELDS as readonly string[]).includes(field));
}

/**
 * Saves `changes` on top of the current version of the template `name` as a new version: refused
 * when `baseVersion` is no longer current, when nothing changes, or with every validation problem
 * at once. Changes to fields the template does not use are ignored. The audit row names the
 * template and the changed fields only, never their values.
 */
export async function saveTemplate(
  stores: TemplateEditPorts,
  { changes, ...edit }: SaveTemplateInput,
): Promise<SaveTemplateOutcome> {
  const current = await stores.templates.get(edit.name);
  if (current.version !== edit.baseVersion)
    return { ok: false, reason: "version_conflict", current };
  const template = mergeFields(edit.name, current, changes);
  return saveVersion(stores, current, template, edit, "template.updated");
}

/** Saves the fields of an earlier version (0: the built-in default) as a new version. */
export async function revertTemplate(
  stores: TemplateEditPorts,
  { toVersion, ...edit }: RevertTemplateInput,
): Promise<RevertTemplateOutcome> {
  const current = await stores.templates.get(edit.name);
  if (current.version !== edit.baseVersion)
    return { ok: false, reason: "version_conflict", current };
  const target = await findVersion(stores, edit.name, current.version, toVersion);
  if (target === null) return { ok: false, reason: "version_not_found" };
  const template = mergeFields(edit.name, current, target);
  return saveVersion(stores, current, template, edit, "template.reverted", {
    revertedTo: toVersion,
  });
}

async function saveVersion(
  stores: TemplateEditPorts,
  current: StoredTemplate,
  template: EmailTemplate,
  edit: TemplateEdit,
  action: string,
  details: Record<string, unknown> = {},
): Promise<SaveTemplateOutcome> {
  if (FIELDS.every((field) => template[field] === current[field]))
    return { ok: false, reason: "unchanged" };
  const problems = validateTemplate(edit.name, template);
  if (problems.length > 0) return { ok: false, reason: "invalid", problems };
  const saved = await stores.templates.save(edit.name, template, edit.editedBy, edit.baseVersion);
  if (!saved.ok) return saved;
  await stores.audit.record({
    ...edit.actor,
    action,
    outcome: "success",
    details: {
      template: edit.name,
      version: saved.template.version,
      ...details,
      changedFields: saved.changedFields,
    },
  });
  return saved;
}

function mergeFields(
  name: TemplateName,
  current: EmailTemplate,
  changes: Partial<EmailTemplate>,
): EmailTemplate {
  const editable = editableFields(name);
  const value = (field: keyof EmailTemplate) =>
    !editable.includes(field) || changes[field] === undefined ? current[field] : changes[field];
  return Object.fromEntries(
    FIELDS.map((field) => [field, value(field)]),
  ) as unknown as EmailTemplate;
}

async function findVersion(
  stores: TemplateEditPorts,
  name: TemplateName,
  currentVersion: number,
  version: number,
): Promise<EmailTemplate | null> {
  if (!Number.isInteger(version) || version < 0 || version > currentVersion) return null;
  if (version === 0) return DEFAULT_TEMPLATES[name];
  // Versions are numbered 1, 2, 3…, newest first: the one wanted is within this many rows.
  const rows = await stores.templates.history(name, currentVersion - version + 1);
  return rows.find((row) => row.version === version) ?? null;
}
