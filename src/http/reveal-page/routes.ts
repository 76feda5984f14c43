import type { Hono } from "hono";
import type { Clock } from "../../clock.ts";
import type { Logger } from "../../logger.ts";
import {
  inspectRevealLink,
  type PasswordSealer,
  REVEAL_PATH,
  type RevealPorts,
  type RevealProblem,
  type RevealResult,
  redeemRevealLink,
} from "../../password-reset/password-reveal.ts";
import { createLinkPageRoutes } from "../link-page/routes.ts";
import type { PageSettings } from "../reset-page/pages.ts";
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

/** `GET/POST {PUBLIC_URL}/lo/reveal`: the page of the emailed link to a password set by an admin. */
export function createRevealPageRoutes({ repo, sealer, ...deps }: RevealPageDependencies): Hono {
  return createLinkPageRoutes<Extract<RevealResult, { ok: true }>, RevealProblem>(deps, {
    path: REVEAL_PATH,
    inspect: (token, at) => inspectRevealLink(repo, token, at),
    redeem: (token) => redeemRevealLink({ repo, sealer, clock: deps.clock }, token),
    renderConfirm: renderRevealConfirm,
    renderDone: renderRevealed,
    renderProblem: renderRevealProblem,
    problemStatus: PROBLEM_STATUS,
  });
}
