import type { Context } from "hono";
import { inspectTicket } from "../../password-reset/complete-reset.ts";
import { ExternalStoreUnavailableError } from "../../users/external-store.ts";
import { MAX_TOKEN_CHARS, PAGES } from "./page-texts.ts";
import type { ResetPages } from "./pages.ts";
import { parseUrlEncoded } from "./read-form.ts";
import type { ResetPageDependencies } from "./routes.ts";

/** `GET /lo/reset?ticket=…`: the form, or why the link no longer works. Never uses the link up. */
export function createShowResetForm(deps: ResetPageDependencies, pages: ResetPages) {
  return async function showResetForm(c: Context) {
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
      if (error instanceof ExternalStoreUnavailableError) {
        deps.logger.warn({ why: error.why }, "reset page: user store unavailable");
        return pages.error(c, 503, PAGES.unavailable);
      }
      deps.logger.error({ err: error }, "reset page unavailable");
      return pages.error(c, 503, PAGES.unavailable);
    }
  };
}
