import type { Hono } from "hono";
import {
  inspectSecureAccountLink,
  type SecureAccountPorts,
  secureAccount,
} from "../../password-reset/secure-account.ts";
import { SECURE_ACCOUNT_PATH } from "../../password-reset/secure-account-link.ts";
import {
  createLinkPageRoutes,
  LINK_PROBLEM_STATUS,
  type LinkPageDependencies,
} from "../link-page/routes.ts";
import { renderSecureConfirm, renderSecured, renderSecureProblem } from "./views.ts";

export interface SecurePageDependencies extends LinkPageDependencies {
  repo: SecureAccountPorts;
}

/** `GET/POST {PUBLIC_URL}/lo/secure`: the password-changed notice's "Secure my account" link. */
export function createSecurePageRoutes({ repo, ...deps }: SecurePageDependencies): Hono {
  return createLinkPageRoutes<{ ok: true; blocked: boolean }>(deps, {
    path: SECURE_ACCOUNT_PATH,
    inspect: (token, at) => inspectSecureAccountLink(repo, token, at),
    redeem: (token, at) => secureAccount(repo, token, at),
    renderConfirm: renderSecureConfirm,
    renderDone: renderSecured,
    problemStatus: LINK_PROBLEM_STATUS,
    renderProblem: renderSecureProblem,
  });
}
