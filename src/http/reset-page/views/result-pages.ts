import { html } from "./html.ts";
import { renderIcon } from "./icons.ts";
import { type PageContext, renderDocument, renderSupportContact } from "./layout.ts";

/** Shown after a reset when the template has no Redirect To. */
export function renderResetSuccess(context: PageContext): string {
  const body = html`<div class="success">
${renderIcon("met")}
<h1>Your password has been changed.</h1>
<p>You can now log in with your new password.</p>
</div>`;
  return renderDocument(context, { title: "Password changed", body });
}

/** A page for failures that are not about the link; the message is ours, never an exception's. */
export function renderErrorPage(
  context: PageContext,
  page: { title: string; message: string },
): string {
  const body = html`<h1>${page.title}</h1>
<p>${page.message}</p>
${renderSupportContact(context)}`;
  return renderDocument(context, { title: page.title, body });
}
