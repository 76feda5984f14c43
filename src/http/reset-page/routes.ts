import type { Context } from "hono";
import { Hono } from "hono";
import type { Clock } from "../../clock.ts";
import type { Repository } from "../../db/stores.ts";
import type { Ticket } from "../../db/ticket-store.ts";
import type { Logger } from "../../logger.ts";
import {
  type CompleteResetResult,
  completePasswordReset,
  inspectTicket,
  type TicketInspection,
  type TicketProblem,
} from "../../password-reset/complete-reset.ts";
import type { PasswordHasher } from "../../passwords/hasher.ts";
import { describePolicy, type RuleResult, resolveMinLength } from "../../passwords/policy.ts";
import { limitBodySize } from "../limit-body-size.ts";
import {
  createNonce,
  issueCsrfToken,
  setPageSecurityHeaders,
  verifyCsrfToken,
} from "./security.ts";
import {
  type PageContext,
  renderErrorPage,
  renderResetForm,
  renderResetSuccess,
  renderTicketProblem,
} from "./views/index.ts";

export interface ResetPageDependencies {
  repo: Repository;
  hasher: PasswordHasher;
  clock: Clock;
  logger: Logger;
  publicUrl: string;
  friendlyName: string;
  supportEmail?: string | undefined;
  supportUrl?: string | undefined;
}

const SUCCESS_MESSAGE = "You can now login to the application with the new password.";
// Auth0's messages for the result URL when a link cannot be used.
const REDIRECT_MESSAGES: Partial<Record<TicketProblem, string>> = {
  expired: "Access expired.",
  used: "This URL can be used only once",
};
const PROBLEM_STATUS = { invalid: 404, expired: 410, used: 410, revoked: 410 } as const;
const MAX_FORM_BYTES = 16 * 1024;

type ValidInspection = TicketInspection & { status: "valid" };

/** `GET/POST {PUBLIC_URL}/lo/reset`: the page where a user sets a new password from a link. */
export function createResetPageRoutes(deps: ResetPageDependencies): Hono {
  const routes = new Hono();
  const secureCookie = deps.publicUrl.startsWith("https:");

  function pageContext(nonce: string): PageContext {
    return {
      nonce,
      friendlyName: deps.friendlyName,
      ...(deps.supportEmail && { supportEmail: deps.supportEmail }),
      ...(deps.supportUrl && { supportUrl: deps.supportUrl }),
    };
  }

  function showForm(
    c: Context,
    token: string,
    inspection: ValidInspection,
    failures?: { rules?: RuleResult[]; errors: string[] },
  ) {
    const nonce = createNonce();
    setPageSecurityHeaders(c, nonce, resultOrigin(inspection.ticket));
    const results = new Map(failures?.rules?.map((rule) => [rule.rule, rule.ok]));
    const policy = inspection.connection.policy;
    const html = renderResetForm(pageContext(nonce), {
      ticket: token,
      csrfToken: issueCsrfToken(c, secureCookie),
      email: inspection.user.email,
      checklist: describePolicy(policy).map((item) => ({
        ...item,
        ...(results.has(item.rule) && { ok: results.get(item.rule) }),
      })),
      minLength: resolveMinLength(policy),
      level: policy.level,
      errors: failures?.errors ?? [],
    });
    return c.html(html, failures ? 400 : 200);
  }

  function showProblem(c: Context, problem: TicketProblem, ticket?: Ticket) {
    const message = REDIRECT_MESSAGES[problem];
    if (ticket?.resultUrl && message) {
      return redirectToResult(c, ticket.resultUrl, { success: "false", message });
    }
    const nonce = createNonce();
    setPageSecurityHeaders(c, nonce);
    return c.html(renderTicketProblem(pageContext(nonce), problem), PROBLEM_STATUS[problem]);
  }

  function showError(c: Context, status: 400 | 403 | 503, title: string, message: string) {
    const nonce = createNonce();
    setPageSecurityHeaders(c, nonce);
    return c.html(renderErrorPage(pageContext(nonce), { title, message }), status);
  }

  function redirectToResult(c: Context, resultUrl: string, params: Record<string, string>) {
    const url = new URL(resultUrl);
    for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
    c.header("Referrer-Policy", "no-referrer");
    c.header("Cache-Control", "no-store");
    return c.redirect(url.toString(), 302);
  }

  routes.get("/lo/reset", async (c) => {
    const token = c.req.query("ticket");
    if (!token || token.length > 100) return showProblem(c, "invalid");
    try {
      const inspection = await inspectTicket(deps, token);
      if (inspection.status !== "valid")
        return showProblem(c, inspection.status, inspection.ticket);
      return showForm(c, token, inspection);
    } catch (error) {
      deps.logger.error({ err: error }, "reset page unavailable");
      return showError(
        c,
        503,
        "Temporarily unavailable",
        "We could not load this page. Please try again in a minute.",
      );
    }
  });

  routes.post(
    "/lo/reset",
    limitBodySize(MAX_FORM_BYTES, (c) =>
      showError(
        c,
        400,
        "Request too large",
        "The form was too large. Please go back and try again.",
      ),
    ),
    async (c) => {
      let form: Record<string, string | File | (string | File)[]>;
      try {
        form = await c.req.parseBody({ all: true });
      } catch {
        return showError(
          c,
          400,
          "Invalid form",
          "The form could not be read. Please open the link from your email again.",
        );
      }
      const field = (name: string) =>
        typeof form[name] === "string" ? (form[name] as string) : undefined;
      const token = field("ticket");
      if (!token || token.length > 100) return showProblem(c, "invalid");
      try {
        if (!verifyCsrfToken(c, field("csrf"))) {
          const inspection = await inspectTicket(deps, token);
          if (inspection.status !== "valid")
            return showProblem(c, inspection.status, inspection.ticket);
          return showForm(c, token, inspection, {
            errors: [
              "Your session expired before the form was sent. Please enter your new password again.",
            ],
          });
        }
        const result = await completePasswordReset(deps, {
          token,
          password: field("password") ?? "",
          confirmation: field("confirmation") ?? "",
        });
        return respond(c, token, result);
      } catch (error) {
        deps.logger.error({ err: error }, "password reset failed");
        return showError(
          c,
          503,
          "Temporarily unavailable",
          "Your password was not changed. Please try again in a minute.",
        );
      }
    },
  );

  function respond(c: Context, token: string, result: CompleteResetResult) {
    if (result.ok) {
      if (result.ticket.resultUrl) {
        return redirectToResult(c, result.ticket.resultUrl, {
          success: "true",
          message: SUCCESS_MESSAGE,
          ...(result.ticket.includeEmailInRedirect && { email: result.user.email }),
        });
      }
      const nonce = createNonce();
      setPageSecurityHeaders(c, nonce);
      return c.html(renderResetSuccess(pageContext(nonce)));
    }
    switch (result.reason) {
      case "mismatch":
        return showForm(c, token, result.inspection, { errors: ["The passwords do not match."] });
      case "weak_password":
        return showForm(c, token, result.inspection, {
          rules: result.check.rules,
          errors: result.check.rules
            .filter((rule) => !rule.ok)
            .map((rule) => `Not met: ${rule.message}`),
        });
      default:
        return showProblem(c, result.reason, result.ticket);
    }
  }

  return routes;
}

function resultOrigin(ticket: Ticket): string[] {
  return ticket.resultUrl && URL.canParse(ticket.resultUrl)
    ? [new URL(ticket.resultUrl).origin]
    : [];
}
