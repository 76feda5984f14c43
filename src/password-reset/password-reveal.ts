import type { ActorType, AuditLog } from "../audit/ports.ts";
import type { Clock } from "../clock.ts";
import type { OutboxStore } from "../email/ports.ts";
import { type PeriodicJob, startPeriodicJob } from "../jobs/periodic-job.ts";
import type { Logger } from "../logger.ts";
import type { PasswordHasher } from "../passwords/hasher.ts";
import {
  createOpaqueId,
  createTicketToken,
  hashTicketToken,
  type RandomBytes,
} from "../secret-tokens.ts";
import type { Transaction } from "../unit-of-work.ts";
import type { UserStore } from "../users/ports.ts";
import type { PasswordReveal, PasswordRevealStore, SlackRecipient } from "./ports.ts";

/** Where the reveal page lives under PUBLIC_URL (src/http/reveal-page/). */
export const REVEAL_PATH = "/lo/reveal";

/** The link in the reveal email: the one place that builds it. */
export function revealUrl(publicUrl: string, token: string): string {
  return `${publicUrl}${REVEAL_PATH}?ticket=${token}`;
}

/** Seals a password at rest (AES-256-GCM under the key-encryption key) while it waits. */
export interface PasswordSealer {
  seal(plain: string): string;
  open(sealed: string): string;
}

/** What "Send it to the user" needs beyond an ordinary password set. */
export interface RevealSettings {
  sealer: PasswordSealer;
  lifetimeSeconds: number;
}

export const DEFAULT_REVEAL_LIFETIME_SECONDS = 24 * 3600;

export type RevealProblem =
  /** No such reveal, or a link that never was. */
  | "invalid"
  /** The Slack button clicked by someone else than the user it was sent to. */
  | "not_yours"
  | "used"
  | "expired"
  /** The user's password changed again since: this one no longer works. */
  | "superseded";

/** Why a pending reveal is not pending (or undefined when it is). */
function problemOf(reveal: PasswordReveal, at: Date): RevealProblem | undefined {
  if (reveal.revealedAt) return "used";
  if (reveal.expiredAt) return reveal.expiredAt < reveal.expiresAt ? "superseded" : "expired";
  if (reveal.expiresAt <= at) return "expired";
  return undefined;
}

export interface RevealPorts {
  passwordReveals: Pick<
    PasswordRevealStore,
    "findByPublicId" | "findByTokenHash" | "take" | "close"
  >;
  users: Pick<UserStore, "findById">;
  audit: Pick<AuditLog, "record">;
}

export interface RevealDependencies {
  repo: RevealPorts;
  sealer: PasswordSealer;
  clock: Clock;
}

export type RevealResult =
  | { ok: true; password: string; reveal: PasswordReveal; email: string }
  | { ok: false; problem: RevealProblem };

/**
 * Hands the password to its user, once: the sealed copy is erased as it is read. A reveal whose
 * user changed their password since (a reset, another admin) is closed instead: that password no
 * longer works, and showing it would only mislead.
 */
async function takeReveal(
  { repo, sealer, clock }: RevealDependencies,
  reveal: PasswordReveal,
  actor: { actorType: ActorType; actorId: string | null },
): Promise<RevealResult> {
  const at = clock.now();
  const problem = problemOf(reveal, at);
  if (problem) return { ok: false, problem };
  const user = await repo.users.findById(reveal.userId);
  if (!user) return { ok: false, problem: "invalid" };
  if (user.passwordChangedAt?.getTime() !== reveal.passwordChangedAt.getTime()) {
    await repo.passwordReveals.close(reveal.id, at);
    return { ok: false, problem: "superseded" };
  }
  const taken = await repo.passwordReveals.take(reveal.id, at);
  // Another click or request took it first, or time ran out in between.
  if (!taken) return { ok: false, problem: "used" };
  await repo.audit.record({
    ...actor,
    action: "password.revealed",
    outcome: "success",
    targetEmail: user.email,
    connection: reveal.connection,
    details: { reveal: reveal.publicId, channel: reveal.channel },
  });
  return { ok: true, password: sealer.open(taken.sealedPassword), reveal, email: user.email };
}

/**
 * The Reveal button of the Slack DM: only the Slack user it was sent to (checked on the click,
 * not trusted from the message) gets the password, once.
 */
export async function revealInSlack(
  deps: RevealDependencies,
  input: { publicId: string; clicker: SlackRecipient },
): Promise<RevealResult> {
  const reveal = await deps.repo.passwordReveals.findByPublicId(input.publicId);
  if (reveal?.channel !== "slack") return { ok: false, problem: "invalid" };
  if (reveal.slackUserId !== input.clicker.userId || reveal.slackTeamId !== input.clicker.teamId) {
    await deps.repo.audit.record({
      actorType: "slack",
      actorId: input.clicker.userId,
      action: "password.reveal_refused",
      outcome: "not_yours",
      connection: reveal.connection,
      details: { reveal: reveal.publicId, teamId: input.clicker.teamId },
    });
    return { ok: false, problem: "not_yours" };
  }
  return takeReveal(deps, reveal, { actorType: "slack", actorId: input.clicker.userId });
}

/** What the reveal page's GET shows: whether the link can still reveal, without revealing. */
export async function inspectRevealLink(
  repo: Pick<RevealPorts, "passwordReveals">,
  token: string,
  at: Date,
): Promise<{ ok: true } | { ok: false; problem: RevealProblem }> {
  const reveal = await repo.passwordReveals.findByTokenHash(hashTicketToken(token));
  if (!reveal) return { ok: false, problem: "invalid" };
  const problem = problemOf(reveal, at);
  return problem ? { ok: false, problem } : { ok: true };
}

/** The reveal page's POST: the password, once, to whoever holds the emailed link. */
export async function redeemRevealLink(
  deps: RevealDependencies,
  token: string,
): Promise<RevealResult> {
  const reveal = await deps.repo.passwordReveals.findByTokenHash(hashTicketToken(token));
  if (reveal?.channel !== "email") return { ok: false, problem: "invalid" };
  return takeReveal(deps, reveal, { actorType: "user", actorId: null });
}

/** Issues the email's single-use link; `undo` withdraws it when the send fails. */
export async function issueRevealLink(
  ports: { passwordReveals: Pick<PasswordRevealStore, "setTokenHash"> },
  reveal: Pick<PasswordReveal, "id">,
  publicUrl: string,
  random?: RandomBytes,
): Promise<{ url: string; undo(): Promise<void> }> {
  const token = createTicketToken(random);
  await ports.passwordReveals.setTokenHash(reveal.id, hashTicketToken(token));
  return {
    url: revealUrl(publicUrl, token),
    undo: () => ports.passwordReveals.setTokenHash(reveal.id, null),
  };
}

export interface RevealFallbackPorts {
  passwordReveals: Pick<PasswordRevealStore, "switchToEmail">;
  outbox: Pick<OutboxStore, "enqueue">;
  audit: Pick<AuditLog, "record">;
}

/** The Slack DM could not be posted: the user gets the link by email instead. */
export async function sendRevealByEmailInstead(
  repo: { transaction: Transaction<RevealFallbackPorts> },
  reveal: PasswordReveal,
  user: { id: number; email: string },
  at: Date,
  reason: string,
): Promise<void> {
  await repo.transaction(async (stores) => {
    const messageRef = createOpaqueId("msg");
    await stores.passwordReveals.switchToEmail(reveal.id, messageRef);
    await stores.outbox.enqueue(
      {
        messageRef,
        kind: "password_reveal",
        requestId: null,
        userId: user.id,
        toAddress: user.email,
      },
      at,
    );
    await stores.audit.record({
      actorType: "system",
      action: "password.reveal_rerouted",
      outcome: "email",
      targetEmail: user.email,
      connection: reveal.connection,
      details: { reveal: reveal.publicId, reason },
    });
  });
}

const EXPIRY_BATCH = 50;

export interface RevealExpiryPorts {
  passwordReveals: Pick<PasswordRevealStore, "listDue">;
  transaction: Transaction<{
    passwordReveals: Pick<PasswordRevealStore, "close">;
    users: Pick<UserStore, "findById" | "replacePasswordHash">;
    outbox: Pick<OutboxStore, "enqueue">;
    audit: Pick<AuditLog, "record">;
  }>;
}

/**
 * Ends reveals nobody opened in time: the password they hold stops working (replaced by a hash
 * of a random password nobody knows, unless the user changed theirs since) and the user is told
 * by email to ask again. Returns how many it ended.
 */
export async function expireDueReveals(deps: {
  repo: RevealExpiryPorts;
  hasher: PasswordHasher;
  clock: Clock;
  logger: Logger;
}): Promise<number> {
  const due = await deps.repo.passwordReveals.listDue(deps.clock.now(), EXPIRY_BATCH);
  for (const reveal of due) {
    // Hashed before the transaction: Argon2 never runs while a connection is held.
    const unusable = await deps.hasher.hash(createTicketToken());
    await deps.repo.transaction(async (stores) => {
      const at = deps.clock.now();
      const closed = await stores.passwordReveals.close(reveal.id, at);
      if (!closed) return;
      const user = await stores.users.findById(reveal.userId);
      if (!user) return;
      const current = user.passwordChangedAt?.getTime() === reveal.passwordChangedAt.getTime();
      const invalidated =
        current && user.passwordHash !== null
          ? await stores.users.replacePasswordHash(user.id, user.passwordHash, unusable)
          : false;
      if (current) {
        await stores.outbox.enqueue(
          {
            messageRef: createOpaqueId("msg"),
            kind: "password_reveal_expired",
            requestId: null,
            userId: user.id,
            toAddress: user.email,
          },
          at,
        );
      }
      await stores.audit.record({
        actorType: "system",
        action: "password.reveal_expired",
        outcome: current ? "invalidated" : "superseded",
        targetEmail: user.email,
        connection: reveal.connection,
        details: { reveal: reveal.publicId, channel: reveal.channel, invalidated },
      });
    });
  }
  if (due.length > 0) deps.logger.info({ count: due.length }, "expired unrevealed passwords");
  return due.length;
}

export type RevealExpiry = PeriodicJob;

/**
 * Ends unrevealed passwords when their time runs out, every minute by default. Every instance
 * may run it: each reveal is closed once, under its row's guard.
 */
export function startRevealExpiry(deps: {
  repo: RevealExpiryPorts;
  hasher: PasswordHasher;
  clock: Clock;
  logger: Logger;
  intervalMillis?: number;
}): RevealExpiry {
  return startPeriodicJob(
    async () => {
      // Bounded per pass; a backlog (after a long outage) drains over the next passes.
      for (let pass = 0; pass < 10 && (await expireDueReveals(deps)) === EXPIRY_BATCH; pass++);
    },
    { logger: deps.logger, intervalMillis: deps.intervalMillis ?? 60_000, jitter: 0.5 },
  );
}
