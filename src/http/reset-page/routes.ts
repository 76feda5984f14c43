import { Hono } from "hono";
import type { Clock } from "../../clock.ts";
import type { Logger } from "../../logger.ts";
import type { CompleteResetPorts } from "../../password-reset/complete-reset.ts";
import type { ExternalChangeWiring } from "../../password-reset/external-change.ts";
import {
  createSubmissionLimiter,
  type ResetPageLimits,
} from "../../password-reset/submission-limits.ts";
import type { PasswordHasher } from "../../passwords/hasher.ts";
import type { RateLimitStore } from "../../rate-limits/ports.ts";
import { limitBodySize } from "../limit-body-size.ts";
import { PAGES } from "./page-texts.ts";
import { createResetPages, type PageSettings } from "./pages.ts";
import { createShowResetForm } from "./show-form.ts";
import { createSubmitResetForm } from "./submit-form.ts";

export interface ResetPageDependencies extends PageSettings {
  repo: CompleteResetPorts & { rateLimits: Pick<RateLimitStore, "take"> };
  /** Shared with every other server-side caller, so that its bound on Argon2 work holds. */
  hasher: PasswordHasher;
  clock: Clock;
  logger: Logger;
  limits: ResetPageLimits;
  trustedProxies: number;
  /** For connections whose users live in an external store. */
  external?: ExternalChangeWiring;
}

const MAX_FORM_BYTES = 16 * 1024;

/** `GET/POST {PUBLIC_URL}/lo/reset`: the page where a user sets a new password from a link. */
export function createResetPageRoutes(deps: ResetPageDependencies): Hono {
  const pages = createResetPages(deps);
  const limiter = createSubmissionLimiter({
    stores: deps.repo,
    clock: deps.clock,
    limits: deps.limits,
  });
  return new Hono().get("/lo/reset", createShowResetForm(deps, pages)).post(
    "/lo/reset",
    limitBodySize(MAX_FORM_BYTES, (c) => pages.error(c, 400, PAGES.tooLarge)),
    createSubmitResetForm(deps, pages, limiter),
  );
}
