import type { Context } from "hono";
import {
  type CompleteResetResult,
  completePasswordReset,
  inspectTicket,
} from "../../password-reset/complete-reset.ts";
import { failedRules } from "../../password-reset/new-password.ts";
import type { createSubmissionLimiter } from "../../password-reset/submission-limits.ts";
import { HasherBusyError } from "../../passwords/bounded-hasher.ts";
import { ExternalStoreUnavailableError } from "../../users/external-store.ts";
import { clientIp } from "../client-ip.ts";
import { MAX_TOKEN_CHARS, PAGES } from "./page-texts.ts";
import type { ResetPages } from "./pages.ts";
import { readResetForm, singleValue } from "./read-form.ts";
import type { ResetPageDependencies } from "./routes.ts";
import { verifyCsrfToken } from "./security.ts";

const SUCCESS_MESSAGE = "You can now login to the application with the new password.";
/** From this many refusals left, the form says how many. */
const WARN_ATTEMPTS_LEFT = 3;

type SubmissionLimiter = ReturnType<typeof createSubmissionLimiter>;

/**
 * `POST /lo/reset`: limits first, then the CSRF token, then the password change; answers with the
 * success page (or the client's result URL), the form again with what was wrong, or an error page.
 */
export function createSubmitResetForm(
  deps: ResetPageDependencies,
  pages: ResetPages,
  limiter: SubmissionLimiter,
) {
  return async function submitResetForm(c: Context) {
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
      if (error instanceof ExternalStoreUnavailableError) {
        deps.logger.warn({ why: error.why }, "reset submission refused: user store unavailable");
        return pages.error(c, 503, { ...PAGES.storeUnavailable, retryAfterSeconds: 60 });
      }
      deps.logger.error({ err: error }, "password reset failed");
      return pages.error(c, 503, PAGES.notChanged);
    }
  };

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
    if (result.reason === "store_unavailable") {
      return pages.error(c, 503, { ...PAGES.storeUnavailable, retryAfterSeconds: 60 });
    }
    if (result.reason === "store_unconfirmed") return pages.error(c, 202, PAGES.storeUnconfirmed);
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
}

function describeSeconds(seconds: number): string {
  if (seconds < 90) return seconds === 1 ? "a second" : `${seconds} seconds`;
  return `${Math.ceil(seconds / 60)} minutes`;
}
