import type { Context } from "hono";
import type { TicketInspection, TicketProblem } from "../../password-reset/complete-reset.ts";
import type { RuleVerdict } from "../../password-reset/new-password.ts";
import type { Ticket } from "../../password-reset/ports.ts";
import { describePolicy, resolveMinLength } from "../../passwords/policy.ts";
import { createNonce, issueCsrfToken, setPageSecurityHeaders } from "./security.ts";
import {
  type PageContext,
  renderErrorPage,
  renderResetForm,
  renderResetSuccess,
  renderTicketProblem,
} from "./views/index.ts";

export interface PageSettings {
  publicUrl: string;
  friendlyName: string;
  supportEmail?: string | undefined;
  supportUrl?: string | undefined;
}

export type ValidInspection = TicketInspection & { status: "valid" };

export type ErrorStatus = 202 | 400 | 429 | 503;

// Auth0's messages for the result URL when a link cannot be used.
const REDIRECT_MESSAGES: Partial<Record<TicketProblem, string>> = {
  expired: "Access expired.",
  used: "This URL can be used only once",
};
const PROBLEM_STATUS = {
  invalid: 404,
  expired: 410,
  used: 410,
  revoked: 410,
  too_many_attempts: 410,
} as const;

/** The reset page's responses, each with the headers a page that may carry a ticket needs. */
export function createResetPages(settings: PageSettings) {
  const secureCookie = settings.publicUrl.startsWith("https:");

  function pageContext(nonce: string): PageContext {
    return {
      nonce,
      friendlyName: settings.friendlyName,
      ...(settings.supportEmail && { supportEmail: settings.supportEmail }),
      ...(settings.supportUrl && { supportUrl: settings.supportUrl }),
    };
  }

  function redirectToResult(c: Context, resultUrl: string, params: Record<string, string>) {
    const url = new URL(resultUrl);
    for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
    c.header("Referrer-Policy", "no-referrer");
    c.header("Cache-Control", "no-store");
    return c.redirect(url.toString(), 302);
  }

  return {
    redirectToResult,

    /** The form; with `failures`, re-shown (400) with the verdict on each rule and the errors. */
    form(
      c: Context,
      token: string,
      inspection: ValidInspection,
      failures?: { rules?: readonly RuleVerdict[]; errors: string[] },
    ) {
      const nonce = createNonce();
      setPageSecurityHeaders(c, nonce, resultOrigin(inspection.ticket));
      const verdicts = new Map(failures?.rules?.map((rule) => [rule.rule, rule.ok]));
      const policy = inspection.connection.policy;
      const html = renderResetForm(pageContext(nonce), {
        ticket: token,
        csrfToken: issueCsrfToken(c, secureCookie),
        email: inspection.user.email,
        checklist: describePolicy(policy).map((item) => {
          if (!verdicts.has(item.rule)) return item;
          const ok = verdicts.get(item.rule);
          // Evaluated rules carry their verdict; a rule skipped in this evaluation says so.
          return ok === undefined ? { ...item, notChecked: true } : { ...item, ok };
        }),
        minLength: resolveMinLength(policy),
        level: policy.level,
        errors: failures?.errors ?? [],
      });
      return c.html(html, failures ? 400 : 200);
    },

    problem(c: Context, problem: TicketProblem, ticket?: Ticket) {
      const message = REDIRECT_MESSAGES[problem];
      if (ticket?.resultUrl && message) {
        return redirectToResult(c, ticket.resultUrl, { success: "false", message });
      }
      const nonce = createNonce();
      setPageSecurityHeaders(c, nonce);
      return c.html(renderTicketProblem(pageContext(nonce), problem), PROBLEM_STATUS[problem]);
    },

    error(
      c: Context,
      status: ErrorStatus,
      page: { title: string; message: string; retryAfterSeconds?: number },
    ) {
      const nonce = createNonce();
      setPageSecurityHeaders(c, nonce);
      if (page.retryAfterSeconds !== undefined) {
        c.header("Retry-After", String(page.retryAfterSeconds));
      }
      return c.html(renderErrorPage(pageContext(nonce), page), status);
    },

    success(c: Context) {
      const nonce = createNonce();
      setPageSecurityHeaders(c, nonce);
      return c.html(renderResetSuccess(pageContext(nonce)));
    },
  };
}

export type ResetPages = ReturnType<typeof createResetPages>;

function resultOrigin(ticket: Ticket): string[] {
  return ticket.resultUrl && URL.canParse(ticket.resultUrl)
    ? [new URL(ticket.resultUrl).origin]
    : [];
}
