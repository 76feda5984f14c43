// Colours are chosen for WCAG AA on white: text at 4.5:1 or more, borders and icons at 3:1 or more.
export const STYLES = `
*, *::before, *::after { box-sizing: border-box; }
[hidden] { display: none !important; }
html { -webkit-text-size-adjust: 100%; }
body {
  margin: 0;
  background: #f3f4f6;
  color: #1f2328;
  font: 1rem/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
}
.sprite { position: absolute; width: 0; height: 0; overflow: hidden; }
.brand, .card { width: min(100% - 2rem, 30rem); margin-inline: auto; }
.brand p { margin: 1.5rem 0 0; font-weight: 600; font-size: 1.0625rem; }
.card {
  margin-block: 1rem 2rem;
  padding: 1.5rem;
  background: #fff;
  border: 1px solid #d0d7de;
  border-radius: 12px;
}
@media (max-width: 30rem) { .card { padding: 1.25rem 1rem; } }
.card > :last-child { margin-bottom: 0; }
h1 { margin: 0 0 1rem; font-size: 1.5rem; line-height: 1.25; }
p { margin: 0 0 1rem; }
a { color: #0a58a8; text-underline-offset: 2px; }
:focus-visible { outline: 3px solid #0a58a8; outline-offset: 2px; }
.email { overflow-wrap: anywhere; }
.field { margin-bottom: 1.25rem; }
.field > label { display: block; margin-bottom: 0.375rem; font-weight: 600; }
input[type="password"], input[type="text"] {
  width: 100%;
  min-height: 3rem;
  padding: 0.625rem 0.75rem;
  border: 1px solid #6e7781;
  border-radius: 6px;
  color: inherit;
  font: inherit;
}
input[aria-invalid="true"] { border: 2px solid #b42318; }
.policy-heading { margin: 0.75rem 0 0.25rem; color: #57606a; font-size: 0.9375rem; }
.checklist { margin: 0; padding: 0; list-style: none; font-size: 0.9375rem; }
.checklist li { display: flex; gap: 0.5rem; align-items: flex-start; margin: 0.25rem 0; }
.icon { flex: none; width: 1.25rem; height: 1.25rem; margin-top: 0.125rem; color: #6e7781; }
[data-state="met"] .icon { color: #1a7f37; }
[data-state="unmet"] .icon { color: #cf222e; }
[data-state="unmet"] { color: #a40e26; }
.state { display: block; color: #57606a; font-size: 0.875rem; }
[data-state="met"] .state, [data-state="unmet"] .state, [data-state="unchecked"] .state {
  position: absolute;
  width: 1px;
  height: 1px;
  overflow: hidden;
  clip-path: inset(50%);
  white-space: nowrap;
}
.match { margin: 0.375rem 0 0; font-size: 0.9375rem; color: #57606a; }
.match:empty { display: none; }
.match[data-match="true"] { color: #1a7f37; }
.toggle { display: flex; gap: 0.625rem; align-items: center; margin: -0.25rem 0 1.25rem; }
.toggle input { width: 1.25rem; height: 1.25rem; margin: 0; accent-color: #0a58a8; }
.toggle label { padding: 0.625rem 0; }
button {
  width: 100%;
  min-height: 3rem;
  padding: 0.75rem 1rem;
  border: 0;
  border-radius: 6px;
  background: #0a58a8;
  color: #fff;
  font: inherit;
  font-weight: 600;
  cursor: pointer;
}
button:hover { background: #084a8d; }
.error-summary {
  margin-bottom: 1.25rem;
  padding: 1rem;
  border: 2px solid #b42318;
  border-radius: 6px;
  background: #fff5f5;
}
.error-summary h2 { margin: 0 0 0.5rem; color: #a40e26; font-size: 1.125rem; }
.error-summary ul { margin: 0; padding-left: 1.25rem; }
.error-summary p { margin: 0; }
.success .icon { width: 3rem; height: 3rem; margin: 0 0 0.75rem; color: #1a7f37; }
.revealed { display: block; padding: 0.75rem; border-radius: 6px; background: #f4f5f7; font: 1.25rem/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; word-break: break-all; user-select: all; }
`;
