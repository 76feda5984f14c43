import { randomUUID } from "node:crypto";
import type { webApi } from "@slack/bolt";
import { previewVariables, SAMPLE_RECIPIENT } from "../email/change-password-variables.ts";
import { MailerError } from "../email/mailer.ts";
import { CHANGE_PASSWORD_TEMPLATE } from "../email/ports.ts";
import {
  type ChangePasswordVariables,
  type RenderedEmail,
  renderChangePasswordEmail,
  TemplateRenderError,
} from "../email/render.ts";
import { normalizeEmail } from "../users/email.ts";
import type { SlackDependencies } from "./dependencies.ts";
import type { SlackActor } from "./roles.ts";
import type { TemplatePreview } from "./views/template-preview-modal.ts";

/** The admin as the preview and the test email address them, from their Slack profile. */
export interface SlackProfile {
  email: string | undefined;
  name: string;
  givenName: string | null;
  familyName: string | null;
  nickname: string | null;
}

export type TestSendOutcome =
  | { ok: true; to: string }
  | { ok: false; reason: "no_profile_email" }
  | { ok: false; reason: "render_failed" | "send_failed"; to: string; message: string };

/** users.info for the admin; without the profile (Slack failing) the sample user stands in. */
export async function readSlackProfile(
  client: webApi.WebClient,
  userId: string,
): Promise<SlackProfile> {
  const fallback = { email: undefined, name: "Jane Doe", givenName: null, familyName: null };
  try {
    const { user } = await client.users.info({ user: userId });
    const profile = user?.profile;
    return {
      email: profile?.email ? normalizeEmail(profile.email) : undefined,
      name: profile?.real_name || user?.real_name || user?.name || fallback.name,
      givenName: profile?.first_name || null,
      familyName: profile?.last_name || null,
      nickname: profile?.display_name || user?.name || null,
    };
  } catch {
    return { ...fallback, nickname: null };
  }
}

/** The change-password email as `profile` would get it, with sample data and a dead link. */
export async function previewTemplate(
  deps: SlackDependencies,
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
  deps: SlackDependencies,
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
  deps: SlackDependencies,
  profile: SlackProfile & { email: string },
): Promise<RenderedEmail> {
  const template = await deps.repo.templates.get(CHANGE_PASSWORD_TEMPLATE);
  return renderChangePasswordEmail(template, variablesFor(deps, profile), {
    defaultFrom: deps.email.defaultFrom,
  });
}

function variablesFor(
  { email: settings }: SlackDependencies,
  profile: SlackProfile & { email: string },
): ChangePasswordVariables {
  return previewVariables(settings, { ...profile, emailVerified: true });
}

// Opaque like the outbox's refs; delivery events for it match no Passdesk email and are ignored.
function testRef(): string {
  return `test-${randomUUID()}`;
}
