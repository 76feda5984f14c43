import { MAX_PASSWORD_LENGTH, type PasswordLevel } from "../../../passwords/policy.ts";
import { type ChecklistItem, renderChecklist } from "./checklist.ts";
import { html, type SafeHtml } from "./html.ts";
import { type PageContext, renderDocument } from "./layout.ts";
import { RESET_FORM_SCRIPT } from "./reset-form-script.ts";

export interface ResetFormView {
  /** Goes in a hidden input, never in the form's action URL. */
  ticket: string;
  /** Sent back as the hidden `csrf` field. */
  csrfToken: string;
  /** Shown so the user knows which account, and offered to password managers. */
  email: string;
  checklist: ChecklistItem[];
  /** The resolved minimum (level vs policy), for the page script. */
  minLength: number;
  level: PasswordLevel;
  /** Form-level messages, e.g. "The passwords do not match." */
  errors: string[];
}

/** The page where a user with a valid link chooses a new password. */
export function renderResetForm(context: PageContext, view: ResetFormView): string {
  const failing = view.checklist.some((item) => item.ok === false);
  const hasErrors = failing || view.errors.length > 0;
  const describe = (ids: string) => (hasErrors ? `form-errors ${ids}` : ids);
  const body = html`<h1>Change your password</h1>
${hasErrors && renderErrorSummary(view.errors)}
<p>Choose a new password for <strong class="email">${view.email}</strong>.</p>
<form id="reset-form" method="post" action="/lo/reset" data-min-length="${view.minLength}" data-max-length="${MAX_PASSWORD_LENGTH}" data-level="${view.level}">
<input type="hidden" name="ticket" value="${view.ticket}">
<input type="hidden" name="csrf" value="${view.csrfToken}">
<input type="text" name="username" autocomplete="username" value="${view.email}" readonly hidden>
<div class="field">
<label for="password">New password</label>
<input id="password" name="password" type="password" autocomplete="new-password" required spellcheck="false" autocapitalize="none" aria-describedby="${describe("policy-heading policy")}"${failing && html` aria-invalid="true"`}>
${renderChecklist(view.checklist)}
</div>
<div class="field">
<label for="confirmation">Confirm new password</label>
<input id="confirmation" name="confirmation" type="password" autocomplete="new-password" required spellcheck="false" autocapitalize="none" aria-describedby="${describe("match-status")}">
<p id="match-status" class="match"></p>
</div>
<div class="toggle" id="show-password-row" hidden>
<input type="checkbox" id="show-password">
<label for="show-password">Show password</label>
</div>
<button type="submit">Change password</button>
</form>`;
  return renderDocument(context, {
    title: hasErrors ? "Error: Change your password" : "Change your password",
    body,
    script: RESET_FORM_SCRIPT,
  });
}

// Announced on arrival (role=alert), and the page script moves focus here as well.
function renderErrorSummary(errors: readonly string[]): SafeHtml {
  return html`<div class="error-summary" id="form-errors" role="alert" tabindex="-1">
<h2>Your password was not changed</h2>
${
  errors.length > 0
    ? html`<ul>${errors.map((error) => html`<li>${error}</li>`)}</ul>`
    : html`<p>Choose a password that meets every requirement marked as not met.</p>`
}
</div>`;
}
