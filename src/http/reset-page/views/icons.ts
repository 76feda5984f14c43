import { html, type SafeHtml } from "./html.ts";

export type IconName = "met" | "unmet" | "unchecked" | "on-submit" | "not-checked";

// Drawn once and referenced with <use>, so the checklist script only swaps an href. Inline SVG
// needs no img-src, and shape (not only colour) tells the states apart.
export const ICON_SPRITE = html`<svg class="sprite" aria-hidden="true" focusable="false">
<symbol id="icon-met" viewBox="0 0 24 24"><circle cx="12" cy="12" r="10" fill="currentColor"/><path d="M7 12.5l3.2 3.2L17 9" fill="none" stroke="#fff" stroke-width="2.4" stroke-linecap="round" stroke-linejoin="round"/></symbol>
<symbol id="icon-unmet" viewBox="0 0 24 24"><circle cx="12" cy="12" r="10" fill="currentColor"/><path d="M8.5 8.5l7 7M15.5 8.5l-7 7" stroke="#fff" stroke-width="2.4" stroke-linecap="round"/></symbol>
<symbol id="icon-unchecked" viewBox="0 0 24 24"><circle cx="12" cy="12" r="9" fill="none" stroke="currentColor" stroke-width="2"/></symbol>
<symbol id="icon-on-submit" viewBox="0 0 24 24"><circle cx="12" cy="12" r="9" fill="none" stroke="currentColor" stroke-width="2"/><path d="M12 7v5l3 2" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round"/></symbol>
<symbol id="icon-not-checked" viewBox="0 0 24 24"><circle cx="12" cy="12" r="9" fill="none" stroke="currentColor" stroke-width="2" stroke-dasharray="3.5 2.5"/><path d="M8 12h8" stroke="currentColor" stroke-width="2" stroke-linecap="round"/></symbol>
</svg>`;

export function renderIcon(name: IconName): SafeHtml {
  return html`<svg class="icon" aria-hidden="true" focusable="false"><use href="#icon-${name}"/></svg>`;
}
