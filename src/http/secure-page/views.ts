import { SECURE_ACCOUNT_PATH } from "../../password-reset/secure-account-link.ts";
import type { LinkProblem } from "../../single-use-link.ts";
import { html } from "../reset-page/views/html.ts";
import {
  type PageContext,
  renderDocument,
  renderSupportContact,
} from "../reset-page/views/layout.ts";

/**
 * The confirmation a GET shows: the link is used only by the button's POST, so a mail scanner
 * that follows it blocks nothing. It names no account: the link alone must not reveal whose it is.
 */
export function renderSecureConfirm(
  context: PageContext,
  view: { ticket: string; csrfToken: string },
): string {
  const body = html`<h1>Secure your account</h1>
<p>Was this password change not you? Secure your ${context.friendlyName} account: this signs you out everywhere and blocks sign-in until our staff help you.</p>
<p>Our staff are told at once and will contact you to set a new password.</p>
<form method="post" action="${SECURE_ACCOUNT_PATH}">
<input type="hidden" name="ticket" value="${view.ticket}">
<input type="hidden" name="csrf" value="${view.csrfToken}">
<button type="submit">Secure my account</button>
</form>`;
  return renderDocument(context, { title: "Secure your account", body });
}

export function renderSecured(context: PageContext, done: { blocked: boolean }): string {
  const what = done.blocked
    ? "You are signed out everywhere and sign-in is blocked."
    : "You are signed out everywhere and your links no longer work.";
  const body = html`<div class="success">
<h1>Your account is secured.</h1>
<p>${what} Our staff have been alerted and will help you set a new password.</p>
</div>
${renderSupportContact(context)}`;
  return renderDocument(context, { title: "Account secured", body });
}

const PROBLEMS: Record<LinkProblem, { title: string; message: string }> = {
  invalid: {
    title: "Invalid link",
    message:
      "This link is invalid. Copy the whole link from the email and paste it into your browser’s address bar.",
  },
  expired: {
    title: "Link expired",
    message: "This link has expired. If a password change was not yours, contact us.",
  },
  used: {
    title: "Link already used",
    message: "This link was already used: the account is secured, and our staff have been alerted.",
  },
  revoked: {
    title: "Link no longer valid",
    message: "This link no longer works: the account was already secured with another link.",
  },
};

export function renderSecureProblem(context: PageContext, problem: LinkProblem): string {
  const text = PROBLEMS[problem];
  const body = html`<h1>${text.title}</h1>
<p>${text.message}</p>
${renderSupportContact(context)}`;
  return renderDocument(context, { title: text.title, body });
}
