import type { Context } from "hono";
import { Hono } from "hono";
import type { Clock } from "../../clock.ts";
import type { Logger } from "../../logger.ts";
import {
  type CompleteResetPorts,
  type CompleteResetResult,
  completePasswordReset,
  inspectTicket,
} from "../../password-reset/complete-reset.ts";
import { failedRules } from "../../password-reset/new-password.ts";
import {
  createSubmissionLimiter,
  type ResetPageLimits,
} from "../../password-reset/submission-limits.ts";
import { HasherBusyError } from "../../passwords/bounded-hasher.ts";
import type { PasswordHasher } from "../../passwords/hasher.ts";
import type { RateLimitStore } from "../../rate-limits/ports.ts";
import { clientIp } from "../client-ip.ts";
import { limitBodySize } from "../limit-body-size.ts";
import { createResetPages, type PageSettings } from "./pages.ts";
import { parseUrlEncoded, readResetForm, singleValue } from "./read-form.ts";
import { verifyCsrfToken } from "./security.ts";

export interface ResetPageDependencies extends PageSettings {
  repo: CompleteResetPorts & { rateLimits: Pick<RateLimitStore, "take"> };
  /** Shared with every other server-side caller, so that its bound on Argon2 work holds. */
  hasher: PasswordHasher;
  clock: Clock;
  logger: Logger;
  limits: ResetPageLimits;
  trustedProxies: number;
}

const SUCCESS_MESSAGE = "You can now login to the application with the new password.";
const MAX_FORM_BYTES = 16 * 1024;
const MAX_TOKEN_CHARS = 100;
/** From this many refusals left, the form says how many. */
const WARN_ATTEMPTS_LEFT = 3;

const PAGES = {
  tooLarge: {
    title: "Request too large",
    message: "The form was too large. Please go back and try again.",
  },
  unreadable: {
    title: "Invalid form",
    message: "The form could not be read. Please open the link from your email again.",
  },
  illFormedForm: {
    title: "Invalid characters",
    message:
      "The form contained text that is not valid Unicode, so nothing was changed. Please open the link from your email again and type your new password.",
  },
  illFormedLink: {
    title: "Invalid characters",
    message:
      "This link contains text that is not valid Unicode. Copy the whole link from the email and paste it into your browser’s address bar.",
  },
  unavailable: {
    title: "Temporarily unavailable",
    message: "We could not load this page. Please try again in a minute.",
  },
  notChanged: {
    title: "Temporarily unavailable",
    message: "Your password was not changed. Please try again in a minute.",
  },
} as const;

/** `GET/POST {PUBLIC_URL}/lo/reset`: the page where a user sets a new password from a link. */
export function createResetPageRoutes(deps: ResetPageDependencies): Hono {
  const routes = new Hono();
  const pages = createResetPages(deps);
  const limiter = createSubmissionLimiter({
    stores: deps.repo,
    clock: deps.clock,
    limits: deps.limits,
  });

  routes.get("/lo/reset", async (c) => {
    const query = parseUrlEncoded(new URL(c.req.url).search.slice(1));
    if (!query.ok) return pages.error(c, 400, PAGES.illFormedLink);
    const token = query.fields.get("ticket")?.[0];
    if (!token || token.length > MAX_TOKEN_CHARS) return pages.problem(c, "invalid");
    try {
      const inspection = await inspectTicket(deps, token);
      if (inspection.status !== "valid")
        return pages.problem(c, inspection.status, inspection.ticket);
      return pages.form(c, token, inspection);
    } catch (error) {
      deps.logger.error({ err: error }, "reset page unavailable");
      return pages.error(c, 503, PAGES.unavailable);
    }
  });

  routes.post(
    "/lo/reset",
    limitBodySize(MAX_FORM_BYTES, (c) => pages.error(c, 400, PAGES.tooLarge)),
    async (c) => {
      const form = await readResetForm(c);
      if (!form.ok) {
        return pages.error(
          c,
          400,
          form.reason === "ill_formed" ? PAGES.illFormedForm : PAGES.unreadable,
        );
      }
      const field = (name: string) => singleValue(form.fields, name);
      const token = field("ticket");
      if (!token || token.length > MAX_TOKEN_CHARS) return pages.problem(c, "invalid");
      try {
        // First, before any other work: a limited submission must cost no password checks.
        const limit = await limiter.take({ clientIp: clientIp(c, deps.trustedProxies), token });
        if (!limit.allowed) return showRateLimited(c, limit.retryAfterSeconds);
        if (!verifyCsrfToken(c, field("csrf"))) {
          // No password was evaluated, so this is not counted against the link.
          const inspection = await inspectTicket(deps, token);
          if (inspection.status !== "valid")
            return pages.problem(c, inspection.status, inspection.ticket);
          return pages.form(c, token, inspection, {
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
        if (error instanceof HasherBusyError) {
          deps.logger.warn({ why: error.why }, "reset submission refused: password hashing busy");
          return pages.error(c, 503, {
            title: "Busy, please try again",
            message:
              "Your password was not changed: we are busy right now. Please submit the form again in a moment. Your link still works.",
            retryAfterSeconds: error.retryAfterSeconds,
          });
        }
        deps.logger.error({ err: error }, "password reset failed");
        return pages.error(c, 503, PAGES.notChanged);
      }
    },
  );

  function showRateLimited(c: Context, retryAfterSeconds: number) {
    return pages.error(c, 429, {
      title: "Too many attempts",
      message: `Too many passwords were sent from here or with this link in a short time. Your password was not changed. Please wait ${describeSeconds(retryAfterSeconds)}, then go back and try again.`,
      retryAfterSeconds,
    });
  }

  function respond(c: Context, token: string, result: CompleteResetResult) {
    if (result.ok) {
      if (result.ticket.resultUrl) {
        return pages.redirectToResult(c, result.ticket.resultUrl, {
          success: "true",
          message: SUCCESS_MESSAGE,
          ...(result.ticket.includeEmailInRedirect && { email: result.user.email }),
        });
      }
      return pages.success(c);
    }
    if (result.reason !== "rejected") return pages.problem(c, result.reason, result.ticket);
    const { verdict, attemptsLeft } = result;
    return pages.form(c, token, result.inspection, {
      rules: verdict.rules,
      errors: [
        ...(verdict.mismatch ? ["The passwords do not match."] : []),
        ...failedRules(verdict).map((rule) => `Not met: ${rule.message}`),
        ...(attemptsLeft <= WARN_ATTEMPTS_LEFT
          ? [
              `This link allows ${attemptsLeft} more ${attemptsLeft === 1 ? "try" : "tries"}; after that you will need a new email.`,
            ]
          : []),
      ],
    });
  }

  return routes;
}

function describeSeconds(seconds: number): string {
  if (seconds < 90) return seconds === 1 ? "a second" : `${seconds} seconds`;
  return `${Math.ceil(seconds / 60)} minutes`;
}
