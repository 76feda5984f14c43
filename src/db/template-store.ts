import { desc, eq, sql } from "drizzle-orm";
import type { StoredTemplate, TemplateStore } from "../email/ports.ts";
import { DEFAULT_TEMPLATES, type EmailTemplate, type TemplateName } from "../email/template.ts";
import type { Executor } from "./client.ts";
import { prepareOnce } from "./prepare-once.ts";
import { emailTemplates, emailTemplateVersions } from "./schema.ts";

const FIELDS = Object.keys(DEFAULT_TEMPLATES.change_password) as Array<keyof EmailTemplate>;

function pickFields(row: EmailTemplate): EmailTemplate {
  return Object.fromEntries(FIELDS.map((field) => [field, row[field]])) as unknown as EmailTemplate;
}

export function createDrizzleTemplateStore(db: Executor): TemplateStore {
  // The worker reads the template for every email it sends.
  const findByName = prepareOnce(() =>
    db
      .select()
      .from(emailTemplates)
      .where(eq(emailTemplates.name, sql.placeholder("name")))
      .prepare("email_templates_find_by_name"),
  );

  async function get(name: TemplateName): Promise<StoredTemplate> {
    const [row] = await findByName().execute({ name });
    if (!row) return { ...DEFAULT_TEMPLATES[name], version: 0, updatedBy: null, updatedAt: null };
    return {
      ...pickFields(row),
      version: row.version,
      updatedBy: row.updatedBy,
      updatedAt: row.updatedAt,
    };
  }

  return {
    get,
    async save(name, template, editedBy, baseVersion) {
      const current = await get(name);
      const changedFields = FIELDS.filter((field) => current[field] !== template[field]);
      const version = baseVersion + 1;
      const fields = pickFields(template);
      // The guarded write: an insert for the first version, else an update still at baseVersion.
      const written =
        baseVersion === 0
          ? await db
              .insert(emailTemplates)
              .values({ name, version, ...fields, updatedBy: editedBy })
              .onConflictDoNothing()
              .returning()
          : await db
              .update(emailTemplates)
              .set({ version, ...fields, updatedBy: editedBy, updatedAt: sql`now()` })
              .where(
                sql`${emailTemplates.name} = ${name} and ${emailTemplates.version} = ${baseVersion}`,
              )
              .returning();
      if (written.length === 0)
        return { ok: false, reason: "version_conflict", current: await get(name) };
      await db
        .insert(emailTemplateVersions)
        .values({ name, version, ...fields, changedFields, editedBy });
      return { ok: true, template: await get(name), changedFields };
    },
    async history(name, limit) {
      const rows = await db
        .select()
        .from(emailTemplateVersions)
        .where(eq(emailTemplateVersions.name, name))
        .orderBy(desc(emailTemplateVersions.version))
        .limit(limit);
      return rows.map((row) => ({
        ...pickFields(row),
        version: row.version,
        changedFields: row.changedFields,
        editedBy: row.editedBy,
        createdAt: row.createdAt,
      }));
    },
  };
}
