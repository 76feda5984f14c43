import type { Hono } from "hono";
import {
  inspectUnblockLink,
  redeemUnblockLink,
  type UnblockLinkPorts,
} from "../../sign-in/unblock.ts";
import { UNBLOCK_PATH } from "../../sign-in/unblock-link.ts";
import {
  createLinkPageRoutes,
  LINK_PROBLEM_STATUS,
  type LinkPageDependencies,
} from "../link-page/routes.ts";
import { renderUnblockConfirm, renderUnblocked, renderUnblockProblem } from "./views.ts";

export interface UnblockPageDependencies extends LinkPageDependencies {
  repo: UnblockLinkPorts;
}

/** `GET/POST {PUBLIC_URL}/lo/unblock`: the page of the blocked-sign-in email's link. */
export function createUnblockPageRoutes({ repo, ...deps }: UnblockPageDependencies): Hono {
  return createLinkPageRoutes(deps, {
    path: UNBLOCK_PATH,
    inspect: (token, at) => inspectUnblockLink(repo, token, at),
    redeem: (token, at) => redeemUnblockLink(repo, token, at),
    renderConfirm: renderUnblockConfirm,
    renderDone: renderUnblocked,
    problemStatus: LINK_PROBLEM_STATUS,
    renderProblem: renderUnblockProblem,
  });
}
