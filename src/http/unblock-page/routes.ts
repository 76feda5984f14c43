import { type Context, Hono } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { Clock } from "../../clock.ts";
import type { Logger } from "../../logger.ts";
import {
  inspectUnblockLink,
  redeemUnblockLink,
  type UnblockLinkPorts,
} from "../../sign-in/unblock.ts";
import { UNBLOCK_PATH } from "../../sign-in/unblock-link.ts";
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
import {
  PROBLEM_STATUS,
  renderUnblockConfirm,
  renderUnblocked,
  renderUnblockProblem,
} from "./views.ts";

export interface UnblockPageDependencies extends PageSettings {
  repo: UnblockLinkPorts;
  clock: Clock;
  logger: Logger;
}

const MAX_FORM_BYTES = 4 * 1024;

/** `GET/POST {PUBLIC_URL}/lo/unblock`: the page of the blocked-sign-in email's link. */
export function createUnblockPageRoutes(deps: UnblockPageDependencies): Hono {
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
    deps.logger.error({ err: error }, "unblock page unavailable");
    return page(c, (context) => renderErrorPage(context, PAGES.unavailable), 503);
  };
  const problem = (c: Context, which: keyof typeof PROBLEM_STATUS) =>
    page(c, (context) => renderUnblockProblem(context, which), PROBLEM_STATUS[which]);

  return new Hono()
    .get(UNBLOCK_PATH, async function showUnblockConfirm(c) {
      const query = parseUrlEncoded(new URL(c.req.url).search.slice(1));
      const token = query.ok ? query.fields.get("ticket")?.[0] : undefined;
      if (!token || token.length > MAX_TOKEN_CHARS) return problem(c, "invalid");
      try {
        const inspection = await inspectUnblockLink(deps.repo, token, deps.clock.now());
        if (!inspection.ok) return problem(c, inspection.problem);
        const csrfToken = issueCsrfToken(c, secureCookie);
        return page(c, (context) => renderUnblockConfirm(context, { ticket: token, csrfToken }));
      } catch (error) {
        return unavailable(c, error);
      }
    })
    .post(
      UNBLOCK_PATH,
      limitBodySize(MAX_FORM_BYTES, (c) =>
        page(c, (context) => renderErrorPage(context, PAGES.tooLarge), 400),
      ),
      async function submitUnblock(c) {
        const form = await readResetForm(c);
        if (!form.ok) return page(c, (context) => renderErrorPage(context, PAGES.unreadable), 400);
        const token = singleValue(form.fields, "ticket");
        if (!token || token.length > MAX_TOKEN_CHARS) return problem(c, "invalid");
        try {
          if (!verifyCsrfToken(c, singleValue(form.fields, "csrf"))) {
            // The session cookie was lost: show the confirmation again, link unused.
            const inspection = await inspectUnblockLink(deps.repo, token, deps.clock.now());
            if (!inspection.ok) return problem(c, inspection.problem);
            const csrfToken = issueCsrfToken(c, secureCookie);
            return page(
              c,
              (context) => renderUnblockConfirm(context, { ticket: token, csrfToken }),
              400,
            );
          }
          const result = await redeemUnblockLink(deps.repo, token, deps.clock.now());
          if (!result.ok) return problem(c, result.problem);
          return page(c, renderUnblocked);
        } catch (error) {
          return unavailable(c, error);
        }
      },
    );
}
