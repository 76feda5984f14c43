import type { AuditLog } from "../audit/ports.ts";
import type { TemplateStore } from "./ports.ts";
import { CHANGE_PASSWORD_TEMPLATE, type StoredTemplate } from "./ports.ts";
import { type ChangePasswordTemplate, DEFAULT_CHANGE_PASSWORD_TEMPLATE } from "./template.ts";
import { type TemplateProblem, validateChangePasswordTemplate } from "./validate-template.ts";

export interface TemplateEditActor {
  actorType: "cli" | "slack";
  actorId: string | null;
}

interface TemplateEdit {
  /** The version the editor started from: a save based on an older one is a conflict. */
  baseVersion: number;
  /** Recorded with the version, e.g. `cli:alice` or a Slack user ID. */
  editedBy: string;
  actor: TemplateEditActor;
}

export interface SaveTemplateInput extends TemplateEdit {
  /** Fields left out (or undefined) keep their current value; `null` is a value. */
  changes: Partial<ChangePasswordTemplate>;
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

const FIELDS = Object.keys(DEFAULT_CHANGE_PASSWORD_TEMPLATE) as Array<keyof ChangePasswordTemplate>;

/**
 * Saves `changes` on top of the current change-password template as a new version: refused when
 * `baseVersion` is no longer current, when nothing changes, or with every validation problem at
 * once. The audit row names the changed fields only, never their values.
 */
export async function saveChangePasswordTemplate(
  stores: TemplateEditPorts,
  { changes, ...edit }: SaveTemplateInput,
): Promise<SaveTemplateOutcome> {
  const current = await stores.templates.get(CHANGE_PASSWORD_TEMPLATE);
  if (current.version !== edit.baseVersion)
    return { ok: false, reason: "version_conflict", current };
  const template = mergeFields(current, changes);
  return saveVersion(stores, current, template, edit, "template.updated");
}

/** Saves the fields of an earlier version (0: the built-in default) as a new version. */
export async function revertChangePasswordTemplate(
  stores: TemplateEditPorts,
  { toVersion, ...edit }: RevertTemplateInput,
): Promise<RevertTemplateOutcome> {
  const current = await stores.templates.get(CHANGE_PASSWORD_TEMPLATE);
  if (current.version !== edit.baseVersion)
    return { ok: false, reason: "version_conflict", current };
  const target = await findVersion(stores, current.version, toVersion);
  if (target === null) return { ok: false, reason: "version_not_found" };
  return saveVersion(stores, current, mergeFields(current, target), edit, "template.reverted", {
    revertedTo: toVersion,
  });
}

async function saveVersion(
  stores: TemplateEditPorts,
  current: StoredTemplate,
  template: ChangePasswordTemplate,
  edit: TemplateEdit,
  action: string,
  details: Record<string, unknown> = {},
): Promise<SaveTemplateOutcome> {
  if (FIELDS.every((field) => template[field] === current[field]))
    return { ok: false, reason: "unchanged" };
  const problems = validateChangePasswordTemplate(template);
  if (problems.length > 0) return { ok: false, reason: "invalid", problems };
  const saved = await stores.templates.save(
    CHANGE_PASSWORD_TEMPLATE,
    template,
    edit.editedBy,
    edit.baseVersion,
  );
  if (!saved.ok) return saved;
  await stores.audit.record({
    ...edit.actor,
    action,
    outcome: "success",
    details: {
      version: saved.template.version,
      ...details,
      changedFields: saved.changedFields,
    },
  });
  return saved;
}

function mergeFields(
  current: ChangePasswordTemplate,
  changes: Partial<ChangePasswordTemplate>,
): ChangePasswordTemplate {
  return Object.fromEntries(
    FIELDS.map((field) => [field, changes[field] === undefined ? current[field] : changes[field]]),
  ) as unknown as ChangePasswordTemplate;
}

async function findVersion(
  stores: TemplateEditPorts,
  currentVersion: number,
  version: number,
): Promise<ChangePasswordTemplate | null> {
  if (!Number.isInteger(version) || version < 0 || version > currentVersion) return null;
  if (version === 0) return DEFAULT_CHANGE_PASSWORD_TEMPLATE;
  // Versions are numbered 1, 2, 3…, newest first: the one wanted is within this many rows.
  const rows = await stores.templates.history(
    CHANGE_PASSWORD_TEMPLATE,
    currentVersion - version + 1,
  );
  return rows.find((row) => row.version === version) ?? null;
}
