import { type Context, Hono } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { Clock } from "../../clock.ts";
import type { Logger } from "../../logger.ts";
import {
  inspectRevealLink,
  type PasswordSealer,
  REVEAL_PATH,
  type RevealPorts,
  redeemRevealLink,
} from "../../password-reset/password-reveal.ts";
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
  renderRevealConfirm,
  renderRevealed,
  renderRevealProblem,
} from "./views.ts";

export interface RevealPageDependencies extends PageSettings {
  repo: RevealPorts;
  sealer: PasswordSealer;
  clock: Clock;
  logger: Logger;
}

const MAX_FORM_BYTES = 4 * 1024;

/** `GET/POST {PUBLIC_URL}/lo/reveal`: the page of the emailed link to a password set by an admin. */
export function createRevealPageRoutes(deps: RevealPageDependencies): Hono {
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
    deps.logger.error({ err: error }, "reveal page unavailable");
    return page(c, (context) => renderErrorPage(context, PAGES.unavailable), 503);
  };
  const problem = (c: Context, which: keyof typeof PROBLEM_STATUS) =>
    page(c, (context) => renderRevealProblem(context, which), PROBLEM_STATUS[which]);
  const confirm = async (c: Context, token: string, status: ContentfulStatusCode) => {
    const inspection = await inspectRevealLink(deps.repo, token, deps.clock.now());
    if (!inspection.ok) return problem(c, inspection.problem);
    const csrfToken = issueCsrfToken(c, secureCookie);
    return page(c, (context) => renderRevealConfirm(context, { ticket: token, csrfToken }), status);
  };

  return new Hono()
    .get(REVEAL_PATH, async function showRevealConfirm(c) {
      const query = parseUrlEncoded(new URL(c.req.url).search.slice(1));
      const token = query.ok ? query.fields.get("ticket")?.[0] : undefined;
      if (!token || token.length > MAX_TOKEN_CHARS) return problem(c, "invalid");
      try {
        return await confirm(c, token, 200);
      } catch (error) {
        return unavailable(c, error);
      }
    })
    .post(
      REVEAL_PATH,
      limitBodySize(MAX_FORM_BYTES, (c) =>
        page(c, (context) => renderErrorPage(context, PAGES.tooLarge), 400),
      ),
      async function submitReveal(c) {
        const form = await readResetForm(c);
        if (!form.ok) return page(c, (context) => renderErrorPage(context, PAGES.unreadable), 400);
        const token = singleValue(form.fields, "ticket");
        if (!token || token.length > MAX_TOKEN_CHARS) return problem(c, "invalid");
        try {
          // The session cookie was lost (or the POST came from elsewhere): ask again, link unused.
          if (!verifyCsrfToken(c, singleValue(form.fields, "csrf")))
            return await confirm(c, token, 400);
          const result = await redeemRevealLink(deps, token);
          if (!result.ok) return problem(c, result.problem);
          return page(c, (context) =>
            renderRevealed(context, { password: result.password, email: result.email }),
          );
        } catch (error) {
          return unavailable(c, error);
        }
      },
    );
}
