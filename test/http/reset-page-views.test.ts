import { describe, expect, it } from "vitest";
import {
  type PageContext,
  type ResetFormView,
  renderErrorPage,
  renderResetForm,
  renderResetSuccess,
  renderTicketProblem,
} from "../../src/http/reset-page/views/index.ts";
import { DICTIONARY_RULE_TEXT } from "../../src/passwords/dictionary.ts";

const HOSTILE = "<script>alert(1)</script>";
const context: PageContext = { nonce: "bm9uY2Utdmlldy10ZXN0", friendlyName: "Example Corp" };

function createFormView(overrides: Partial<ResetFormView> = {}): ResetFormView {
  return {
    ticket: "tkt_4Xq9-example",
    csrfToken: "csrf_example_token",
    email: "jane@example.com",
    minLength: 12,
    level: "excellent",
    checklist: [
      { rule: "min_length", message: "At least 12 characters" },
      { rule: "max_length", message: "At most 256 characters" },
      { rule: "identical_chars", message: "No more than 2 identical characters in a row" },
      { rule: "dictionary", message: DICTIONARY_RULE_TEXT },
    ],
    errors: [],
    ...overrides,
  };
}

const PAGES: Record<string, string> = {
  form: renderResetForm(context, createFormView()),
  "form with errors": renderResetForm(
    context,
    createFormView({
      checklist: [{ rule: "min_length", message: "At least 12 characters", ok: false }],
      errors: ["The passwords do not match."],
    }),
  ),
  expired: renderTicketProblem(context, "expired"),
  used: renderTicketProblem(context, "used"),
  revoked: renderTicketProblem(context, "revoked"),
  invalid: renderTicketProblem(context, "invalid"),
  success: renderResetSuccess(context),
  error: renderErrorPage(context, { title: "Temporarily unavailable", message: "Try again." }),
};

/** The opening tag of the element with this id. */
function tagWithId(page: string, id: string): string {
  const tags = page.match(new RegExp(`<[a-z]+ [^>]*\\bid="${id}"[^>]*>`, "g")) ?? [];
  expect(tags).toHaveLength(1);
  return tags[0] ?? "";
}

function count(page: string, pattern: RegExp): number {
  return page.match(new RegExp(pattern, "g"))?.length ?? 0;
}

describe("every reset page", () => {
  it.each(Object.entries(PAGES))(
    "%s is a complete English document with one h1 in a main landmark",
    (_, page) => {
      expect(page.startsWith("<!doctype html>")).toBe(true);
      expect(page).toContain('<html lang="en">');
      expect(page).toContain(
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
      );
      expect(page).toMatch(/<title>[^<]+ · Example Corp<\/title>/);
      expect(count(page, /<h1[\s>]/)).toBe(1);
      expect(count(page, /<main[\s>]/)).toBe(1);
    },
  );

  it.each(Object.entries(PAGES))(
    "%s has only nonce-tagged inline script and style, as a strict CSP requires",
    (_, page) => {
      const scripts = page.match(/<script[^>]*>/g) ?? [];
      const styles = page.match(/<style[^>]*>/g) ?? [];
      expect(styles).toEqual([`<style nonce="${context.nonce}">`]);
      for (const script of scripts) expect(script).toBe(`<script nonce="${context.nonce}">`);
      expect(page).not.toMatch(/\son[a-z]+\s*=/i);
      expect(page).not.toMatch(/\sstyle\s*=/i);
      expect(page).not.toMatch(/javascript:/i);
    },
  );

  it.each(Object.entries(PAGES))("%s loads nothing from anywhere", (_, page) => {
    expect(page).not.toMatch(/\ssrc\s*=/i);
    expect(page).not.toMatch(/<link(?![^>]*href="data:,")[^>]*>/);
    expect(page).not.toMatch(/url\(|@import/);
    const hrefs = [...page.matchAll(/\shref="([^"]*)"/g)].map((match) => match[1]);
    for (const href of hrefs) expect(href).toMatch(/^(#icon-[a-z-]+|data:,)$/);
  });
});

describe("renderResetForm", () => {
  const page = renderResetForm(context, createFormView());

  it("labels the two password fields exactly, each tied to its input", () => {
    expect(page).toContain('<label for="password">New password</label>');
    expect(page).toContain('<label for="confirmation">Confirm new password</label>');
    expect(tagWithId(page, "password")).toContain('name="password"');
    expect(tagWithId(page, "confirmation")).toContain('name="confirmation"');
  });

  it("marks both fields as new passwords, required, with no length cap for the browser to enforce", () => {
    for (const id of ["password", "confirmation"]) {
      const input = tagWithId(page, id);
      expect(input).toContain('type="password"');
      expect(input).toContain('autocomplete="new-password"');
      expect(input).toContain(" required");
      expect(input).not.toContain("maxlength");
    }
  });

  it("offers the account's email to password managers as a read-only username", () => {
    expect(page).toContain(
      '<input type="text" name="username" autocomplete="username" value="jane@example.com" readonly hidden>',
    );
  });

  it("posts to the same origin with the ticket and CSRF token in hidden fields, not in the URL", () => {
    expect(page).toMatch(/<form id="reset-form" method="post" action="\/lo\/reset" /);
    expect(page).toContain('<input type="hidden" name="ticket" value="tkt_4Xq9-example">');
    expect(page).toContain('<input type="hidden" name="csrf" value="csrf_example_token">');
    expect(count(page, /tkt_4Xq9-example/)).toBe(1);
  });

  it("hands the script its data through data-* attributes, so the script text never varies", () => {
    expect(tagWithId(page, "reset-form")).toContain(
      'data-min-length="12" data-max-length="256" data-level="excellent"',
    );
    const scriptOf = (html: string) => html.slice(html.indexOf("<script"));
    const other = renderResetForm(
      context,
      createFormView({ minLength: 8, ticket: "other", email: "x@y.z" }),
    );
    expect(scriptOf(other)).toBe(scriptOf(page));
  });

  it("renders the show-password toggle hidden until the script reveals it", () => {
    expect(tagWithId(page, "show-password-row")).toContain(" hidden");
    expect(page).toContain('<label for="show-password">Show password</label>');
    expect(page).toContain('<button type="submit">Change password</button>');
  });

  it("describes the password field by the checklist and shows no error state on a fresh form", () => {
    expect(tagWithId(page, "password")).toContain('aria-describedby="policy-heading policy"');
    expect(tagWithId(page, "password")).not.toContain("aria-invalid");
    expect(page).not.toContain('role="alert"');
    expect(page).toMatch(/<title>Change your password ·/);
  });

  it("shows unevaluated rules as unchecked, and server-only rules as checked when you submit", () => {
    expect(page).toContain('<li data-rule="min_length" data-state="unchecked">');
    expect(page).toMatch(
      /<li data-rule="dictionary" data-state="on-submit">.*<span class="state">checked when you submit<\/span>/,
    );
  });

  it("marks failing rules as not met, passing ones as met, in text and not only by colour", () => {
    const failed = renderResetForm(
      context,
      createFormView({
        checklist: [
          { rule: "min_length", message: "At least 12 characters", ok: false },
          { rule: "max_length", message: "At most 256 characters", ok: true },
        ],
        errors: ["Not met: At least 12 characters"],
      }),
    );
    expect(failed).toMatch(
      /<li data-rule="min_length" data-state="unmet">.*#icon-unmet.*At least 12 characters <span class="state">not met<\/span>/,
    );
    expect(failed).toMatch(
      /<li data-rule="max_length" data-state="met">.*<span class="state">met<\/span>/,
    );
    expect(tagWithId(failed, "password")).toContain('aria-invalid="true"');
  });

  it("shows a rule left unevaluated after a submission as not checked, in text and by icon", () => {
    const failed = renderResetForm(
      context,
      createFormView({
        checklist: [
          { rule: "min_length", message: "At least 12 characters", ok: false },
          { rule: "history", message: "Not one of your last 5 passwords", notChecked: true },
        ],
        errors: ["Not met: At least 12 characters"],
      }),
    );
    expect(failed).toMatch(
      /<li data-rule="history" data-state="not-checked">.*#icon-not-checked.*Not one of your last 5 passwords <span class="state">not checked yet: checked once everything else is met<\/span>/,
    );
    expect(failed).toContain('<symbol id="icon-not-checked"');
  });

  it("announces form errors in a focusable alert that both fields point to", () => {
    const failed = renderResetForm(
      context,
      createFormView({ errors: ["The passwords do not match."] }),
    );
    expect(tagWithId(failed, "form-errors")).toBe(
      '<div class="error-summary" id="form-errors" role="alert" tabindex="-1">',
    );
    expect(failed).toContain("<li>The passwords do not match.</li>");
    expect(tagWithId(failed, "password")).toContain(
      'aria-describedby="form-errors policy-heading policy"',
    );
    expect(tagWithId(failed, "confirmation")).toContain(
      'aria-describedby="form-errors match-status"',
    );
    expect(failed).toMatch(/<title>Error: Change your password ·/);
  });

  it("escapes a hostile email, friendly name, ticket, error and rule message", () => {
    const hostile = renderResetForm(
      { ...context, friendlyName: HOSTILE },
      createFormView({
        email: `${HOSTILE}"@x.test`,
        ticket: `"><script>alert(1)</script>`,
        csrfToken: HOSTILE,
        errors: [HOSTILE],
        checklist: [{ rule: "min_length", message: HOSTILE, ok: false }],
      }),
    );
    expect(hostile).not.toContain(HOSTILE);
    expect(hostile).not.toContain('"><script>');
    expect(hostile).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(hostile).toContain('value="&lt;script&gt;alert(1)&lt;/script&gt;&quot;@x.test"');
    expect(count(hostile, /<script/)).toBe(1);
  });
});

describe("renderTicketProblem", () => {
  const withSupport: PageContext = {
    ...context,
    supportEmail: "help@example.com",
    supportUrl: "https://help.example.com/reset",
  };

  it("says an expired link 'was expired' and how to get a new email", () => {
    const page = renderTicketProblem(context, "expired");
    expect(page).toContain("<h1>This ticket was expired.</h1>");
    expect(page).toContain("<strong>Forgot password</strong>");
  });

  it("says a used link 'was already used' and how to get a new email", () => {
    const page = renderTicketProblem(context, "used");
    expect(page).toContain("<h1>This ticket was already used.</h1>");
    expect(page).toContain(
      "choose <strong>Forgot password</strong> and enter your email address again",
    );
  });

  it("explains a revoked link by a newer email or a password change since", () => {
    const page = renderTicketProblem(context, "revoked");
    expect(page).toContain("<h1>This link is no longer valid.</h1>");
    expect(page).toContain(
      "A newer password reset email was sent, or the password was changed since",
    );
    expect(page).toContain("<strong>Forgot password</strong>");
  });

  it("calls an unknown link invalid and suggests copying the whole link", () => {
    const page = renderTicketProblem(context, "invalid");
    expect(page).toContain("<h1>This link is invalid.</h1>");
    expect(page).toContain("Copy the whole link from the email");
  });

  it("links the support email and URL when configured, and says nothing about support otherwise", () => {
    const page = renderTicketProblem(withSupport, "used");
    expect(page).toContain('<a href="mailto:help@example.com">help@example.com</a>');
    expect(page).toContain(
      '<a href="https://help.example.com/reset">https://help.example.com/reset</a>',
    );
    expect(renderTicketProblem(context, "used")).not.toContain("support");
  });

  it("never turns a non-web support URL into a link", () => {
    const page = renderTicketProblem({ ...context, supportUrl: "javascript:alert(1)" }, "expired");
    expect(page).not.toContain("javascript:");
  });
});

describe("renderResetSuccess and renderErrorPage", () => {
  it("confirms the change and says the user can log in", () => {
    const page = renderResetSuccess(context);
    expect(page).toContain("<h1>Your password has been changed.</h1>");
    expect(page).toContain("<p>You can now log in with your new password.</p>");
    expect(page).toMatch(/<title>Password changed ·/);
  });

  it("shows the given title and message, escaped", () => {
    const page = renderErrorPage(context, { title: HOSTILE, message: `${HOSTILE} again` });
    expect(page).not.toContain(HOSTILE);
    expect(page).toContain("<h1>&lt;script&gt;alert(1)&lt;/script&gt;</h1>");
    expect(page).toContain("<title>&lt;script&gt;alert(1)&lt;/script&gt; · Example Corp</title>");
  });
});
