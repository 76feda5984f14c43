import { BROWSER_CHECKED_RULES, STATE_TEXT } from "./checklist.ts";

// Runs in the browser, so it is plain JavaScript in a string. The checks mirror
// src/passwords/policy-rules.ts exactly (NFC, code-point lengths, the same Unicode classes);
// the server still decides, so a drift here misleads but never weakens the policy.
// Page data arrives through the form's data-* attributes, never interpolated into this text.
export const RESET_FORM_SCRIPT = `(() => {
  const form = document.getElementById("reset-form");
  const password = document.getElementById("password");
  const confirmation = document.getElementById("confirmation");
  if (!form || !password || !confirmation) return;
  const minLength = Number(form.dataset.minLength);
  const maxLength = Number(form.dataset.maxLength);
  const LOWER = /\\p{Ll}/u;
  const UPPER = /\\p{Lu}/u;
  const DIGIT = /\\p{Nd}/u;
  const SPECIAL = /[^\\p{L}\\p{Nd}]/u;
  const THREE_IDENTICAL = /(.)\\1\\1/su;
  const checks = {
    min_length: (_, length) => length >= minLength,
    max_length: (_, length) => length <= maxLength,
    lower_case: (text) => LOWER.test(text),
    upper_case: (text) => UPPER.test(text),
    digit: (text) => DIGIT.test(text),
    character_classes: (text) =>
      [LOWER, UPPER, DIGIT, SPECIAL].filter((pattern) => pattern.test(text)).length >= 3,
    identical_chars: (text) => !THREE_IDENTICAL.test(text),
  };
  const browserChecked = ${JSON.stringify(BROWSER_CHECKED_RULES)};
  const stateText = ${JSON.stringify(STATE_TEXT)};

  function setState(item, state) {
    item.dataset.state = state;
    item.querySelector("use").setAttribute("href", "#icon-" + state);
    item.querySelector(".state").textContent = stateText[state];
  }

  function updateChecklist() {
    const text = password.value.normalize("NFC");
    const length = Array.from(text).length;
    for (const item of document.querySelectorAll("#policy li[data-rule]")) {
      const rule = item.dataset.rule;
      // A server verdict on an earlier password says nothing about the one being typed.
      if (!browserChecked.includes(rule)) setState(item, "on-submit");
      else if (text === "") setState(item, "unchecked");
      else setState(item, checks[rule](text, length) ? "met" : "unmet");
    }
    password.removeAttribute("aria-invalid");
    updateMatch();
  }

  const matchStatus = document.getElementById("match-status");
  function updateMatch() {
    const state = confirmation.value === "" ? "" : String(confirmation.value === password.value);
    matchStatus.dataset.match = state;
    if (state === "") matchStatus.textContent = "";
    else if (state === "true") matchStatus.textContent = "The passwords match.";
    else matchStatus.textContent = "The passwords do not match yet.";
  }

  password.addEventListener("input", updateChecklist);
  confirmation.addEventListener("input", updateMatch);

  const toggleRow = document.getElementById("show-password-row");
  const toggle = document.getElementById("show-password");
  toggleRow.hidden = false;
  toggle.addEventListener("change", () => {
    const type = toggle.checked ? "text" : "password";
    password.type = type;
    confirmation.type = type;
  });
  // Password managers only offer to save type=password fields, and browsers may remember text
  // fields in their autofill history: hide the passwords again before the form is sent.
  form.addEventListener("submit", () => {
    password.type = "password";
    confirmation.type = "password";
  });

  const summary = document.getElementById("form-errors");
  if (summary) summary.focus();
})();
`;
