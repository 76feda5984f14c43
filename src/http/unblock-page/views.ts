import type { UnblockLinkProblem } from "../../sign-in/unblock.ts";
import { UNBLOCK_PATH } from "../../sign-in/unblock-link.ts";
import { html } from "../reset-page/views/html.ts";
import {
  type PageContext,
  renderDocument,
  renderSupportContact,
} from "../reset-page/views/layout.ts";

/**
 * The confirmation a GET shows: the link is used only by the button's POST, so a mail scanner
 * that follows the link lifts nothing.
 */
export function renderUnblockConfirm(
  context: PageContext,
  view: { ticket: string; csrfToken: string },
): string {
  const body = html`<h1>Unblock sign-in</h1>
<p>Sign-in to your ${context.friendlyName} account was blocked after too many failed attempts. If those attempts were yours, unblock it and sign in again.</p>
<p>If they were not yours, leave it blocked and change your password instead: that unblocks it too.</p>
<form method="post" action="${UNBLOCK_PATH}">
<input type="hidden" name="ticket" value="${view.ticket}">
<input type="hidden" name="csrf" value="${view.csrfToken}">
<button type="submit">Unblock sign-in</button>
</form>`;
  return renderDocument(context, { title: "Unblock sign-in", body });
}

export function renderUnblocked(context: PageContext): string {
  const body = html`<div class="success">
<h1>Sign-in is unblocked.</h1>
<p>You can sign in again. If you do not remember your password, reset it from the sign-in page.</p>
</div>`;
  return renderDocument(context, { title: "Sign-in unblocked", body });
}

const PROBLEMS: Record<UnblockLinkProblem, { title: string; message: string }> = {
  invalid: {
    title: "Invalid link",
    message:
      "This link is invalid. Copy the whole link from the email and paste it into your browser’s address bar.",
  },
  expired: {
    title: "Link expired",
    message: "This link has expired. Changing your password unblocks sign-in as well.",
  },
  used: {
    title: "Link already used",
    message: "This link was already used: each unblock link works only once.",
  },
  revoked: {
    title: "Link no longer valid",
    message:
      "This link was withdrawn when the account was secured. Our staff will help you sign in again.",
  },
};

export function renderUnblockProblem(context: PageContext, problem: UnblockLinkProblem): string {
  const text = PROBLEMS[problem];
  const body = html`<h1>${text.title}</h1>
<p>${text.message}</p>
${renderSupportContact(context)}`;
  return renderDocument(context, { title: text.title, body });
}
