import type { ConnectionStore } from "../users/ports.ts";

export type ApprovalSetting = "off" | "required";

/** Four-eyes /set-password: the default setting, and how long a request waits for a decision. */
export interface ApprovalSettings {
  defaultSetting: ApprovalSetting;
  lifetimeSeconds: number;
}

/**
 * Whether an admin's password set in `connectionName` needs a second admin's approval. Asked
 * when the form opens and again when it is submitted: the setting may change in between.
 */
export async function needsApproval(
  repo: { connections: Pick<ConnectionStore, "findByName"> },
  settings: ApprovalSettings,
  connectionName: string,
): Promise<boolean> {
  const connection = await repo.connections.findByName(connectionName);
  return (connection?.setPasswordApproval ?? settings.defaultSetting) === "required";
}
