import type { DeliveryEvent } from "./delivery-events.ts";
import type { ChangePasswordTemplate } from "./template.ts";

export const CHANGE_PASSWORD_TEMPLATE = "change_password";

export interface StoredTemplate extends ChangePasswordTemplate {
  /** 0 while the built-in default is in force. */
  version: number;
  updatedBy: string | null;
  updatedAt: Date | null;
}

export interface TemplateVersion extends ChangePasswordTemplate {
  version: number;
  changedFields: string[];
  editedBy: string | null;
  createdAt: Date;
}

export type SaveTemplateResult =
  | { ok: true; template: StoredTemplate; changedFields: string[] }
  | { ok: false; reason: "version_conflict"; current: StoredTemplate };

export interface TemplateStore {
  get(name: string): Promise<StoredTemplate>;
  /** Saves a new version if `baseVersion` is still the current one: never a silent overwrite. */
  save(
    name: string,
    template: ChangePasswordTemplate,
    editedBy: string,
    baseVersion: number,
  ): Promise<SaveTemplateResult>;
  history(name: string, limit: number): Promise<TemplateVersion[]>;
}

export interface EmailEventStore {
  /** Stores the event unless its provider id was seen before; true when it is new. */
  recordIfNew(outboxId: number, event: DeliveryEvent): Promise<boolean>;
}
