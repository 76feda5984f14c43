import type { TicketProblem } from "../../../password-reset/complete-reset.ts";
import { html, type SafeHtml } from "./html.ts";
import { type PageContext, renderDocument, renderSupportContact } from "./layout.ts";

interface ProblemText {
  title: string;
  /** "expired" and "used" use Auth0's sentences, which users and support scripts know. */
  heading: string;
  reason: SafeHtml;
}

const REQUEST_NEW_EMAIL = html`<p>To get a new email, go back to the application you were signing in to, choose <strong>Forgot password</strong> and enter your email address again.</p>`;

const PROBLEMS: Record<TicketProblem, ProblemText> = {
  expired: {
    title: "Link expired",
    heading: "This ticket was expired.",
    reason: html`<p>To keep your account safe, password reset links only work for a limited time.</p>`,
  },
  used: {
    title: "Link already used",
    heading: "This ticket was already used.",
    reason: html`<p>Each password reset link works only once. If you did not change your password with it, request a new link.</p>`,
  },
  revoked: {
    title: "Link no longer valid",
    heading: "This link is no longer valid.",
    reason: html`<p>A newer password reset email was sent, or the password was changed since this one was sent. Only the most recent link works.</p>`,
  },
  too_many_attempts: {
    title: "Too many attempts",
    heading: "This link no longer works.",
    reason: html`<p>Too many passwords were tried with it, so it was turned off to protect your account. Your password was not changed.</p>`,
  },
  invalid: {
    title: "Invalid link",
    heading: "This link is invalid.",
    reason: html`<p>It may be incomplete: some email programs split long links. Copy the whole link from the email and paste it into your browser’s address bar.</p>`,
  },
};

/** Why a reset link cannot be used, and how to get one that can. */
export function renderTicketProblem(context: PageContext, problem: TicketProblem): string {
  const text = PROBLEMS[problem];
  const body = html`<h1>${text.heading}</h1>
${text.reason}
${problem === "invalid" && html`<p>If that does not help, request a new link.</p>`}
${REQUEST_NEW_EMAIL}
${renderSupportContact(context)}`;
  return renderDocument(context, { title: text.title, body });
}
