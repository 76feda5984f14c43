import type { ActorType } from "../audit/ports.ts";
import { createOpaqueId, type RandomBytes } from "../secret-tokens.ts";
import { subjectOf, type User } from "../users/user.ts";

/** The changes an app can subscribe to (`passdesk webhooks add URL --events …`). */
export const CHANGE_EVENT_TYPES = [
  "password.changed",
  "user.blocked",
  "user.unblocked",
  "user.locked_out",
] as const;

export type ChangeEventType = (typeof CHANGE_EVENT_TYPES)[number];

export function isChangeEventType(name: string): name is ChangeEventType {
  return (CHANGE_EVENT_TYPES as readonly string[]).includes(name);
}

/**
 * Who made the change: a staff member (in Slack), the user themselves (reset page, unblock
 * link), an operator at the CLI (their OS user), or Passdesk itself (brute-force protection).
 */
export interface ChangeActor {
  type: "staff" | "user" | "cli" | "system";
  id?: string;
  /** `approval`: a second admin (`id`) approved the change another admin asked for. */
  via?: "approval";
  /** With `via: approval`, the admin who asked. */
  requested_by?: string;
}

/**
 * What a webhook carries, as JSON. Identifiers and facts only: never a password, a hash, a
 * ticket token or a link. `user_id` is the `sub` of the user's tokens.
 */
export interface ChangeEventData {
  user_id: string;
  email: string;
  connection: string;
  by: ChangeActor;
  /** user.blocked/unblocked: the account's block (`users block`) or a sign-in block (brute force). */
  block?: "account" | "sign_in";
}

/** One change; `id` is stable: every delivery and retry of it carries the same one. */
export interface ChangeEvent {
  id: string;
  type: ChangeEventType;
  createdAt: Date;
  data: ChangeEventData;
}

/** Audit actors as events name them (the public API changes nothing an event reports). */
const ACTOR_TYPES: Record<ActorType, ChangeActor["type"]> = {
  slack: "staff",
  user: "user",
  cli: "cli",
  system: "system",
  public: "system",
};

/** The audit entry's actor, as an event names it (the two always agree: built from one). */
export function changeActorOf(actor: {
  actorType: ActorType;
  actorId?: string | null;
}): ChangeActor {
  const type = ACTOR_TYPES[actor.actorType];
  // The user is the event's own user_id; Passdesk itself has no id.
  if (type === "user" || type === "system" || !actor.actorId) return { type };
  return { type, id: actor.actorId };
}

/** A new event about `user` in `connection`, with a fresh id. */
export function createChangeEvent(
  type: ChangeEventType,
  change: {
    user: Pick<User, "id" | "email">;
    connection: string;
    by: ChangeActor;
    block?: ChangeEventData["block"];
  },
  at: Date,
  random?: RandomBytes,
): ChangeEvent {
  return {
    id: createOpaqueId("evt", random),
    type,
    createdAt: at,
    data: {
      user_id: subjectOf(change.user),
      email: change.user.email,
      connection: change.connection,
      by: change.by,
      ...(change.block && { block: change.block }),
    },
  };
}

/** The body a receiver gets: the same bytes on every attempt, so one signature check fits all. */
export function changeEventBody(event: ChangeEvent): string {
  return JSON.stringify({
    id: event.id,
    type: event.type,
    created_at: event.createdAt.toISOString(),
    data: event.data,
  });
}
