import type { ResetRequestStore } from "./ports.ts";
import {
  requestStaffReset,
  type StaffResetDependencies,
  type StaffResetResult,
} from "./staff-reset.ts";

export type ResendStaffResetResult =
  | { ok: true; email: string; connection: string; result: StaffResetResult }
  | { ok: false; reason: "request_not_found" };

export interface ResendStaffResetDependencies extends StaffResetDependencies {
  repo: StaffResetDependencies["repo"] & {
    resetRequests: Pick<ResetRequestStore, "findByPublicId">;
  };
}

/**
 * Asks again for the reset of an earlier staff request, through the same staff reset (same
 * per-target limit, audited as a new request). Only requests made in Slack carry a Resend
 * button, so any other request ID is answered as unknown.
 */
export async function resendStaffReset(
  deps: ResendStaffResetDependencies,
  input: {
    requestId: string;
    requestedBy: { teamId: string; userId: string; channelId?: string };
  },
): Promise<ResendStaffResetResult> {
  const original = await deps.repo.resetRequests.findByPublicId(input.requestId);
  if (original?.source !== "slack") return { ok: false, reason: "request_not_found" };
  const { email, connection } = original;
  const result = await requestStaffReset(deps, {
    email,
    connection,
    requestedBy: input.requestedBy,
  });
  return { ok: true, email, connection, result };
}
