import { type Context, Hono } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { Clock } from "../../clock.ts";
import type { Logger } from "../../logger.ts";
import type { LinkProblem } from "../../single-use-link.ts";
import { limitBodySize } from "../limit-body-size.ts";
import { MAX_TOKEN_CHARS, PAGES } from "../reset-page/page-texts.ts";
import type { PageSettings } from "../reset-page/pages.ts";
import { parseUrlEncoded, readResetForm, singleValue } from "../reset-page/read-form.ts";
import {
  createNonce,
  issueCsrfToken,
  setPageSecurityHeaders,
  verifyCsrfToken,
} from "../reset-page/security.ts";
import type { PageContext } from "../reset-page/views/index.ts";
import { renderErrorPage } from "../reset-page/views/index.ts";

export interface LinkPageDependencies extends PageSettings {
  clock: Clock;
  logger: Logger;
}

/** What one emailed single-use link does, and how its page reads. */
export interface LinkPage<Done extends { ok: true }, Problem extends string = LinkProblem> {
  path: string;
  /** Looks at the link without using it up (mail scanners follow links). */
  inspect(token: string, at: Date): Promise<{ ok: true } | { ok: false; problem: Problem }>;
  /** The confirmed link: used once. */
  redeem(token: string, at: Date): Promise<Done | { ok: false; problem: Problem }>;
  renderConfirm(context: PageContext, view: { ticket: string; csrfToken: string }): string;
  renderDone(context: PageContext, done: Done): string;
  renderProblem(context: PageContext, problem: Problem | "invalid"): string;
  /** The status of each problem's page (LINK_PROBLEM_STATUS for LinkProblem's). */
  problemStatus: Record<NoInfer<Problem> | "invalid", 404 | 410>;
}

/** A link that never was is not found; one that was, and no longer works, is gone. */
export const LINK_PROBLEM_STATUS: Record<LinkProblem, 404 | 410> = {
  invalid: 404,
  expired: 410,
  used: 410,
  revoked: 410,
};
const MAX_FORM_BYTES = 4 * 1024;

/**
 * `GET/POST {PUBLIC_URL}{path}` for an emailed single-use link: GET only shows a confirmation
 * with a button, so a scanner that follows the link changes nothing; the button's POST (with the
 * double-submit CSRF token) uses it.
 */
export function createLinkPageRoutes<
  Done extends { ok: true },
  Problem extends string = LinkProblem,
>(deps: LinkPageDependencies, link: LinkPage<Done, Problem>): Hono {
  const secureCookie = deps.publicUrl.startsWith("https:");
  // As the reset page: a nonce per response, no referrer (the URL holds the token), no caching.
  function page(
    c: Context,
    render: (context: PageContext) => string,
    status: ContentfulStatusCode = 200,
  ) {
    const nonce = createNonce();
    setPageSecurityHeaders(c, nonce);
    const context: PageContext = {
      nonce,
      friendlyName: deps.friendlyName,
      ...(deps.supportEmail && { supportEmail: deps.supportEmail }),
      ...(deps.supportUrl && { supportUrl: deps.supportUrl }),
    };
    return c.html(render(context), status);
  }
  const unavailable = (c: Context, error: unknown) => {
    deps.logger.error({ err: error, path: link.path }, "link page unavailable");
    return page(c, (context) => renderErrorPage(context, PAGES.unavailable), 503);
  };
  const problem = (c: Context, which: Problem | "invalid") =>
    page(c, (context) => link.renderProblem(context, which), link.problemStatus[which]);
  async function confirm(c: Context, token: string, status: ContentfulStatusCode = 200) {
    const inspection = await link.inspect(token, deps.clock.now());
    if (!inspection.ok) return problem(c, inspection.problem);
    const csrfToken = issueCsrfToken(c, secureCookie);
    return page(c, (context) => link.renderConfirm(context, { ticket: token, csrfToken }), status);
  }

  return new Hono()
    .get(link.path, async function showLinkConfirm(c) {
      const query = parseUrlEncoded(new URL(c.req.url).search.slice(1));
      const token = query.ok ? query.fields.get("ticket")?.[0] : undefined;
      if (!token || token.length > MAX_TOKEN_CHARS) return problem(c, "invalid");
      try {
        return await confirm(c, token);
      } catch (error) {
        return unavailable(c, error);
      }
    })
    .post(
      link.path,
      limitBodySize(MAX_FORM_BYTES, (c) =>
        page(c, (context) => renderErrorPage(context, PAGES.tooLarge), 400),
      ),
      async function submitLink(c) {
        const form = await readResetForm(c);
        if (!form.ok) return page(c, (context) => renderErrorPage(context, PAGES.unreadable), 400);
        const token = singleValue(form.fields, "ticket");
        if (!token || token.length > MAX_TOKEN_CHARS) return problem(c, "invalid");
        try {
          // The session cookie was lost: show the confirmation again, link unused.
          if (!verifyCsrfToken(c, singleValue(form.fields, "csrf")))
            return await confirm(c, token, 400);
          const result = await link.redeem(token, deps.clock.now());
          if (!result.ok) return problem(c, result.problem);
          return page(c, (context) => link.renderDone(context, result));
        } catch (error) {
          return unavailable(c, error);
        }
      },
    );
}
