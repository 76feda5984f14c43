import type { ClientStore } from "../clients/ports.ts";
import type { Clock } from "../clock.ts";
import { buildChangePasswordVariables } from "../email/change-password-variables.ts";
import { buildPasswordChangedVariables } from "../email/password-changed-variables.ts";
import type { OutboxEmail, StoredTemplate, TemplateStore } from "../email/ports.ts";
import { CHANGE_PASSWORD_TEMPLATE, PASSWORD_CHANGED_TEMPLATE } from "../email/ports.ts";
import {
  type RenderedEmail,
  renderChangePasswordEmail,
  renderPasswordChangedEmail,
} from "../email/render.ts";
import { renderRevealEmail, renderRevealExpiredEmail } from "../email/reveal-email.ts";
import type { ConnectionStore } from "../users/ports.ts";
import type { User } from "../users/user.ts";
import { issueRevealLink } from "./password-reveal.ts";
import type {
  PasswordRevealStore,
  ResetRequestStore,
  SecureAccountTicketStore,
  TicketStore,
} from "./ports.ts";
import { issueSecureAccountLink } from "./secure-account-link.ts";
import { createTicketToken, hashTicketToken, type RandomBytes } from "./tokens.ts";

export interface EmailSettings {
  publicUrl: string;
  defaultFrom: string;
  tenant: string;
  friendlyName: string;
  supportEmail: string | undefined;
  supportUrl: string | undefined;
  /** How long the password-changed notice's "Secure my account" link works. */
  secureLinkLifetimeSeconds: number;
}

/** What composing an email reads, and the tickets it issues (and revokes when the send fails). */
export interface ComposePorts {
  connections: Pick<ConnectionStore, "findById">;
  templates: Pick<TemplateStore, "get">;
  resetRequests: Pick<ResetRequestStore, "findById">;
  clients: Pick<ClientStore, "findByClientId">;
  tickets: Pick<TicketStore, "issue" | "revoke">;
  passwordReveals: Pick<PasswordRevealStore, "findByMessageRef" | "setTokenHash">;
  secureAccountTickets: Pick<SecureAccountTicketStore, "issue" | "revoke">;
}

export interface ComposeDependencies {
  repo: ComposePorts;
  clock: Clock;
  settings: EmailSettings;
  random?: RandomBytes;
}

/** An email ready to render, and how to undo what preparing it did if the send fails. */
export type ComposedEmail =
  | {
      ok: true;
      connection: string | null;
      /** The public id of the request the email answers, if any (for the audit row). */
      requestPublicId: string | null;
      render(): Promise<RenderedEmail>;
      undo(): Promise<void>;
    }
  | { ok: false; outcome: string; reason: string };

/** Builds the email an outbox row stands for, for a user who may still receive it. */
export async function composeEmail(
  deps: ComposeDependencies,
  email: OutboxEmail,
  user: User,
): Promise<ComposedEmail> {
  const connection = await deps.repo.connections.findById(user.connectionId);
  if (email.kind === "password_changed") {
    const template = await deps.repo.templates.get(PASSWORD_CHANGED_TEMPLATE);
    if (!template.enabled) return TEMPLATE_DISABLED;
    return composePasswordChangedEmail(deps, email, user, connection?.name ?? null, template);
  }
  if (email.kind === "password_reveal") {
    return composeRevealEmail(deps, email, user, connection?.name ?? null);
  }
  if (email.kind === "password_reveal_expired") {
    return {
      ok: true,
      connection: connection?.name ?? null,
      requestPublicId: null,
      render: async () => renderRevealExpiredEmail({ email: user.email, ...deps.settings }),
      undo: async () => {},
    };
  }
  return composeResetEmail(deps, email, user, connection?.name ?? null);
}

const TEMPLATE_DISABLED = {
  ok: false,
  outcome: "template_disabled",
  reason: "template disabled",
} as const;

/**
 * The notice that the password was changed, by the user or an administrator, and when. As a
 * reset email's ticket, its "Secure my account" link is issued at send time; `undo` revokes it.
 */
async function composePasswordChangedEmail(
  { repo, clock, settings, random }: ComposeDependencies,
  email: OutboxEmail,
  user: User,
  connection: string | null,
  template: StoredTemplate,
): Promise<ComposedEmail> {
  const { url, ticket } = await issueSecureAccountLink(
    repo,
    {
      userId: user.id,
      at: clock.now(),
      lifetimeSeconds: settings.secureLinkLifetimeSeconds,
      publicUrl: settings.publicUrl,
    },
    random,
  );
  const variables = buildPasswordChangedVariables(settings, {
    user,
    connection: connection ?? "",
    // Notices queued before changed_by was recorded were all an administrator's.
    changedBy: email.changedBy ?? "admin",
    at: email.createdAt,
    secureUrl: url,
  });
  return {
    ok: true,
    connection,
    requestPublicId: null,
    render: () =>
      renderPasswordChangedEmail(template, variables, { defaultFrom: settings.defaultFrom }),
    undo: () => repo.secureAccountTickets.revoke(ticket.id, clock.now()),
  };
}

/** The link is issued at send time, as a reset ticket is: its token is never stored. */
async function composeRevealEmail(
  { repo, clock, settings, random }: ComposeDependencies,
  email: OutboxEmail,
  user: User,
  connection: string | null,
): Promise<ComposedEmail> {
  const reveal = await repo.passwordReveals.findByMessageRef(email.messageRef);
  if (!reveal || reveal.revealedAt || reveal.expiredAt || reveal.expiresAt <= clock.now()) {
    return { ok: false, outcome: "reveal_closed", reason: "the password is no longer waiting" };
  }
  const link = await issueRevealLink(repo, reveal, settings.publicUrl, random);
  return {
    ok: true,
    connection,
    requestPublicId: null,
    undo: link.undo,
    render: async () =>
      renderRevealEmail({
        email: user.email,
        url: link.url,
        expiresAt: reveal.expiresAt,
        ...settings,
      }),
  };
}

/**
 * The ticket is issued here, at send time, so its token never has to be stored for a retry:
 * when a send fails, `undo` revokes it and the next attempt issues a fresh one.
 */
async function composeResetEmail(
  { repo, clock, settings, random }: ComposeDependencies,
  email: OutboxEmail,
  user: User,
  connection: string | null,
): Promise<ComposedEmail> {
  const template = await repo.templates.get(CHANGE_PASSWORD_TEMPLATE);
  if (!template.enabled) return TEMPLATE_DISABLED;
  const request =
    email.requestId === null ? undefined : await repo.resetRequests.findById(email.requestId);
  const client = request?.clientId
    ? await repo.clients.findByClientId(request.clientId)
    : undefined;

  const now = clock.now();
  const token = createTicketToken(random);
  const ticket = await repo.tickets.issue(
    {
      tokenHash: hashTicketToken(token),
      userId: user.id,
      requestId: email.requestId,
      expiresAt: new Date(now.getTime() + template.urlLifetimeSeconds * 1000),
      resultUrl: template.resultUrl,
      includeEmailInRedirect: template.includeEmailInRedirect,
    },
    now,
  );
  return {
    ok: true,
    connection,
    requestPublicId: request?.publicId ?? null,
    undo: () => repo.tickets.revoke(ticket.id, clock.now()),
    render: () =>
      renderChangePasswordEmail(
        template,
        buildChangePasswordVariables(settings, {
          url: `${settings.publicUrl}/lo/reset?ticket=${token}`,
          user,
          application: client ? { name: client.name, clientId: client.clientId } : null,
          connection: connection ?? "",
        }),
        { defaultFrom: settings.defaultFrom },
      ),
  };
}
