import { REVEAL_PATH, type RevealProblem } from "../../password-reset/password-reveal.ts";
import { html } from "../reset-page/views/html.ts";
import {
  type PageContext,
  renderDocument,
  renderSupportContact,
} from "../reset-page/views/layout.ts";

/**
 * What a GET shows: a button, and nothing revealed. Mail scanners follow links; only the
 * button's POST shows the password, and uses the link up.
 */
export function renderRevealConfirm(
  context: PageContext,
  view: { ticket: string; csrfToken: string },
): string {
  const body = html`<h1>Your new password</h1>
<p>An administrator set a new password for your ${context.friendlyName} account. Nobody else has seen it.</p>
<p>It is shown once: have somewhere safe to keep it before you press the button.</p>
<form method="post" action="${REVEAL_PATH}">
<input type="hidden" name="ticket" value="${view.ticket}">
<input type="hidden" name="csrf" value="${view.csrfToken}">
<button type="submit">Show my password</button>
</form>`;
  return renderDocument(context, { title: "Your new password", body });
}

/** The password, once: the response is not cached, and the link no longer works. */
export function renderRevealed(
  context: PageContext,
  view: { password: string; email: string },
): string {
  const body = html`<h1>Your new password</h1>
<p>The password of <strong>${view.email}</strong> is:</p>
<p><code id="revealed-password" class="revealed">${view.password}</code></p>
<p>Copy it now: this page cannot be shown again. You can change it after you sign in.</p>
${renderSupportContact(context)}`;
  return renderDocument(context, { title: "Your new password", body });
}

const PROBLEMS: Record<RevealProblem, { title: string; message: string }> = {
  invalid: {
    title: "Invalid link",
    message:
      "This link is invalid. Copy the whole link from the email and paste it into your browser’s address bar.",
  },
  not_yours: {
    title: "Invalid link",
    message: "This link is invalid.",
  },
  expired: {
    title: "Link expired",
    message:
      "This link has expired, and the password it held no longer works. Reset your password from the sign-in page, or ask your administrator again.",
  },
  used: {
    title: "Password already shown",
    message:
      "This password was already shown: each link shows it only once. If that was not you, contact your administrator now.",
  },
  superseded: {
    title: "Password changed since",
    message: "Your password was changed again since this link was sent, so it no longer applies.",
  },
};

export const PROBLEM_STATUS: Record<RevealProblem, 404 | 410> = {
  invalid: 404,
  not_yours: 404,
  expired: 410,
  used: 410,
  superseded: 410,
};

export function renderRevealProblem(context: PageContext, problem: RevealProblem): string {
  const text = PROBLEMS[problem];
  const body = html`<h1>${text.title}</h1>
<p>${text.message}</p>
${renderSupportContact(context)}`;
  return renderDocument(context, { title: text.title, body });
}
