import { randomUUID } from "node:crypto";
import type { AuditLog } from "../audit/ports.ts";
import type { Clock } from "../clock.ts";
import type { Logger } from "../logger.ts";
import { SAMPLE_RECIPIENT, type TemplateSettings } from "./common-variables.ts";
import { type Mailer, MailerError } from "./mailer.ts";
import type { TemplateStore } from "./ports.ts";
import { type RenderedEmail, TemplateRenderError } from "./render.ts";
import { renderPreview } from "./render-preview.ts";
import type { TemplateName } from "./template.ts";

/** The admin a preview or test email is addressed to, as their chat profile describes them. */
export interface AdminRecipient {
  email: string | undefined;
  name: string;
  givenName: string | null;
  familyName: string | null;
  nickname: string | null;
}

export type AdminPreview =
  | { ok: true; email: RenderedEmail; recipient: { name: string; email: string } }
  | { ok: false; reason: "render_failed"; message: string };

export type TestSendOutcome =
  | { ok: true; to: string }
  | { ok: false; reason: "no_profile_email" }
  | { ok: false; reason: "render_failed" | "send_failed"; to: string; message: string };

export interface AdminSampleEmailDependencies {
  stores: { templates: Pick<TemplateStore, "get">; audit: Pick<AuditLog, "record"> };
  mailer: Mailer;
  settings: TemplateSettings & { defaultFrom: string };
  logger: Logger;
  /** The time a password-changed sample says the change was made. */
  clock: Clock;
}

type RenderDependencies = Pick<AdminSampleEmailDependencies, "stores" | "settings" | "clock">;

/** The current email `name` as `admin` would get it, with sample data and dead links. */
export async function previewForAdmin(
  deps: RenderDependencies,
  admin: AdminRecipient,
  name: TemplateName,
): Promise<AdminPreview> {
  const recipient = { name: admin.name, email: admin.email ?? SAMPLE_RECIPIENT.email };
  try {
    const email = await renderForAdmin(deps, { ...admin, email: recipient.email }, name);
    return { ok: true, email, recipient };
  } catch (error) {
    if (error instanceof TemplateRenderError) {
      return { ok: false, reason: "render_failed", message: error.message };
    }
    throw error;
  }
}

/**
 * Sends the current email `name` to the admin's own address only, through the same Mailer as the
 * outbox, with "[Test]" in the subject and links that do nothing. No ticket and no outbox row are
 * created. Audited as `template.test_sent` by the Slack user `actor`.
 */
export async function sendTestToAdmin(
  deps: AdminSampleEmailDependencies,
  admin: AdminRecipient,
  actor: { teamId: string; userId: string },
  name: TemplateName,
): Promise<TestSendOutcome> {
  const to = admin.email;
  const outcome = await (async (): Promise<TestSendOutcome> => {
    if (!to) return { ok: false, reason: "no_profile_email" };
    let email: RenderedEmail;
    try {
      email = await renderForAdmin(deps, { ...admin, email: to }, name);
    } catch (error) {
      if (!(error instanceof TemplateRenderError)) throw error;
      return { ok: false, reason: "render_failed", to, message: error.message };
    }
    try {
      await deps.mailer.send({ ...email, subject: `[Test] ${email.subject}`, to, ref: testRef() });
      return { ok: true, to };
    } catch (error) {
      if (!(error instanceof MailerError)) throw error;
      deps.logger.warn({ err: error }, "test email not sent");
      return { ok: false, reason: "send_failed", to, message: error.message };
    }
  })();
  await deps.stores.audit.record({
    actorType: "slack",
    actorId: actor.userId,
    action: "template.test_sent",
    outcome: outcome.ok ? "success" : "failed",
    targetEmail: to ?? null,
    details: {
      teamId: actor.teamId,
      template: name,
      ...(!outcome.ok && { reason: outcome.reason }),
    },
  });
  return outcome;
}

async function renderForAdmin(
  { stores, settings, clock }: RenderDependencies,
  admin: AdminRecipient & { email: string },
  name: TemplateName,
): Promise<RenderedEmail> {
  const template = await stores.templates.get(name);
  const recipient = { ...admin, emailVerified: true };
  return renderPreview(name, template, settings, { recipient, at: clock.now() });
}

// Opaque like the outbox's refs; delivery events for it match no Passdesk email and are ignored.
function testRef(): string {
  return `test-${randomUUID()}`;
}
