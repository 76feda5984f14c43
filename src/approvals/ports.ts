/** Where a /set-password request waits for a second admin: pending until decided or expired. */
export type SetPasswordApprovalStatus = "pending" | "approved" | "denied" | "expired" | "failed";

export type SetPasswordDecision = "approved" | "denied";

/** A Slack user: the admin asking, or the admin deciding. */
export interface SlackActor {
  teamId: string;
  userId: string;
}

export interface NewSetPasswordApproval {
  /** The id the card's buttons carry; the database id never leaves Passdesk. */
  publicId: string;
  userId: number;
  connection: string;
  requester: SlackActor;
  reason: string;
  expiresAt: Date;
}

export interface SetPasswordApproval extends NewSetPasswordApproval {
  id: number;
  status: SetPasswordApprovalStatus;
  decidedBy: string | null;
  decidedAt: Date | null;
  cardChannel: string | null;
  cardTs: string | null;
  createdAt: Date;
}

/** The requests for a second admin's approval of a password set. */
export interface SetPasswordApprovalStore {
  create(request: NewSetPasswordApproval, at: Date): Promise<SetPasswordApproval>;
  findByPublicId(publicId: string): Promise<SetPasswordApproval | undefined>;
  /** Where the approval card was posted, to update it later. */
  setCard(id: number, channel: string, ts: string): Promise<void>;
  /**
   * Decides a request once: only while it is pending and `at` is before its expiry, and never
   * by its requester. Undefined when it was not decided now (decided before, expired, theirs).
   */
  decide(
    id: number,
    decision: SetPasswordDecision,
    deciderUserId: string,
    at: Date,
  ): Promise<SetPasswordApproval | undefined>;
  /** An approved request whose password change could not be made. */
  markFailed(id: number): Promise<SetPasswordApproval | undefined>;
  /** Pending requests whose time ran out at `at`, oldest expiry first. */
  listDue(at: Date, limit: number): Promise<SetPasswordApproval[]>;
  /** Ends a pending request as expired; undefined if it was no longer pending. */
  expire(id: number, at: Date): Promise<SetPasswordApproval | undefined>;
}
