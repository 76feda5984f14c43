import type { PasswordRule } from "../../../passwords/policy.ts";
import { html, type SafeHtml } from "./html.ts";
import { type IconName, renderIcon } from "./icons.ts";

export interface ChecklistItem {
  rule: PasswordRule;
  message: string;
  /** undefined = not evaluated yet */
  ok?: boolean;
  /** Submitted but left unevaluated: history is checked only once every other rule is met. */
  notChecked?: boolean;
}

/** Rules the page script can check as the user types; the rest need the server's data. */
export const BROWSER_CHECKED_RULES: readonly PasswordRule[] = [
  "min_length",
  "max_length",
  "lower_case",
  "upper_case",
  "digit",
  "character_classes",
  "identical_chars",
];

/** What a screen reader hears after each requirement; colour and icon say the same to the eye. */
export const STATE_TEXT: Record<IconName, string> = {
  met: "met",
  unmet: "not met",
  unchecked: "",
  "on-submit": "checked when you submit",
  "not-checked": "not checked yet: checked once everything else is met",
};

export function stateOf(item: ChecklistItem): IconName {
  if (item.ok !== undefined) return item.ok ? "met" : "unmet";
  if (item.notChecked) return "not-checked";
  return BROWSER_CHECKED_RULES.includes(item.rule) ? "unchecked" : "on-submit";
}

export function renderChecklist(items: readonly ChecklistItem[]): SafeHtml {
  return html`<p class="policy-heading" id="policy-heading">Your new password needs:</p>
<ul id="policy" class="checklist" aria-labelledby="policy-heading">
${items.map(renderItem)}</ul>`;
}

function renderItem(item: ChecklistItem): SafeHtml {
  const state = stateOf(item);
  return html`<li data-rule="${item.rule}" data-state="${state}">${renderIcon(state)}<span>${item.message} <span class="state">${STATE_TEXT[state]}</span></span></li>
`;
}
