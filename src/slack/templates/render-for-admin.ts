import { randomUUID } from "node:crypto";
import type { AuditLog } from "../../audit/ports.ts";
import { previewVariables, SAMPLE_RECIPIENT } from "../../email/change-password-variables.ts";
import { MailerError } from "../../email/mailer.ts";
import { CHANGE_PASSWORD_TEMPLATE, type TemplateStore } from "../../email/ports.ts";
import {
  type ChangePasswordVariables,
  type RenderedEmail,
  renderChangePasswordEmail,
  TemplateRenderError,
} from "../../email/render.ts";
import type { SlackActor } from "../actor.ts";
import type { SlackDependencies } from "../dependencies.ts";
import type { TemplatePreview } from "./preview-modal.ts";
import type { SlackProfile } from "./slack-profile.ts";

export type RenderForAdminDependencies = Pick<SlackDependencies, "email" | "logger" | "mailer"> & {
  repo: { templates: Pick<TemplateStore, "get">; audit: Pick<AuditLog, "record"> };
};

export type TestSendOutcome =
  | { ok: true; to: string }
  | { ok: false; reason: "no_profile_email" }
  | { ok: false; reason: "render_failed" | "send_failed"; to: string; message: string };

/** The change-password email as `profile` would get it, with sample data and a dead link. */
export async function previewTemplate(
  deps: RenderForAdminDependencies,
  profile: SlackProfile,
): Promise<TemplatePreview> {
  const recipient = { name: profile.name, email: profile.email ?? SAMPLE_RECIPIENT.email };
  try {
    const email = await renderForAdmin(deps, { ...profile, email: recipient.email });
    return { ok: true, email, recipient };
  } catch (error) {
    if (error instanceof TemplateRenderError) return { ok: false, problem: error.message };
    throw error;
  }
}

/**
 * Sends the current change-password email to the admin's own Slack address only, through the
 * same Mailer as the outbox, with "[Test]" in the subject and a link that resets nothing. No
 * ticket and no outbox row are created. Audited as `template.test_sent`.
 */
export async function sendTemplateTest(
  deps: RenderForAdminDependencies,
  actor: SlackActor,
  profile: SlackProfile,
): Promise<TestSendOutcome> {
  const to = profile.email;
  const outcome = await (async (): Promise<TestSendOutcome> => {
    if (!to) return { ok: false, reason: "no_profile_email" };
    let email: RenderedEmail;
    try {
      email = await renderForAdmin(deps, { ...profile, email: to });
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
  await deps.repo.audit.record({
    actorType: "slack",
    actorId: actor.userId,
    action: "template.test_sent",
    outcome: outcome.ok ? "success" : "failed",
    targetEmail: to ?? null,
    details: { teamId: actor.teamId, ...(!outcome.ok && { reason: outcome.reason }) },
  });
  return outcome;
}

async function renderForAdmin(
  deps: RenderForAdminDependencies,
  profile: SlackProfile & { email: string },
): Promise<RenderedEmail> {
  const template = await deps.repo.templates.get(CHANGE_PASSWORD_TEMPLATE);
  return renderChangePasswordEmail(template, variablesFor(deps, profile), {
    defaultFrom: deps.email.defaultFrom,
  });
}

function variablesFor(
  { email: settings }: RenderForAdminDependencies,
  profile: SlackProfile & { email: string },
): ChangePasswordVariables {
  return previewVariables(settings, { ...profile, emailVerified: true });
}

// Opaque like the outbox's refs; delivery events for it match no Passdesk email and are ignored.
function testRef(): string {
  return `test-${randomUUID()}`;
}
