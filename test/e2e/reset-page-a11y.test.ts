import { mkdir, readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import type { AxeResults } from "axe-core";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  type ChecklistItem,
  type PageContext,
  type ResetFormView,
  renderErrorPage,
  renderResetForm,
  renderResetSuccess,
  renderTicketProblem,
} from "../../src/http/reset-page/views/index.ts";
import {
  checkPassword,
  describePolicy,
  type PasswordPolicy,
  resolveMinLength,
} from "../../src/passwords/policy.ts";

// Pages are served by request interception at a made-up origin, with the CSP the routes send,
// so the scan sees them exactly as a user would; any other request is refused and recorded.
const ORIGIN = "https://passdesk.test";
const NONCE = "ZTJlLXRlc3Qtbm9uY2U=";
const CSP = `default-src 'none'; script-src 'nonce-${NONCE}'; style-src 'nonce-${NONCE}'; img-src data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'`;
const SCREENSHOTS = "test-results/screenshots";
const PHONE = {
  viewport: { width: 390, height: 844 },
  deviceScaleFactor: 2,
  isMobile: true,
  hasTouch: true,
};
const DESKTOP = { viewport: { width: 1024, height: 768 } };

const context: PageContext = {
  nonce: NONCE,
  friendlyName: "Example Corp",
  supportEmail: "help@example.com",
  supportUrl: "https://help.example.com/password",
};
const strictPolicy: PasswordPolicy = {
  level: "excellent",
  minLength: 12,
  historySize: 3,
  dictionary: true,
  noPersonalInfo: true,
};

function createFormView(
  policy: PasswordPolicy,
  overrides: Partial<ResetFormView> = {},
): ResetFormView {
  return {
    ticket: "tkt_e2e-example",
    csrfToken: "csrf_e2e_example",
    email: "jane.doe@example.com",
    checklist: describePolicy(policy),
    minLength: resolveMinLength(policy),
    level: policy.level,
    errors: [],
    ...overrides,
  };
}

// As the server shows a refused password: history is checked only once everything else passes.
const rejected: ChecklistItem[] = checkPassword("password1", strictPolicy).rules.map((rule) =>
  rule.rule === "history" ? { rule: rule.rule, message: rule.message, notChecked: true } : rule,
);
const STATES: Record<string, string> = {
  form: renderResetForm(context, createFormView(strictPolicy)),
  "form-errors": renderResetForm(
    context,
    createFormView(strictPolicy, {
      checklist: rejected,
      errors: [
        ...rejected.filter((rule) => rule.ok === false).map((rule) => `Not met: ${rule.message}`),
        "This link allows 3 more tries; after that you will need a new email.",
      ],
    }),
  ),
  "form-mismatch": renderResetForm(
    context,
    createFormView(strictPolicy, { errors: ["The passwords do not match."] }),
  ),
  expired: renderTicketProblem(context, "expired"),
  used: renderTicketProblem(context, "used"),
  revoked: renderTicketProblem(context, "revoked"),
  invalid: renderTicketProblem(context, "invalid"),
  "too-many-attempts": renderTicketProblem(context, "too_many_attempts"),
  success: renderResetSuccess(context),
  error: renderErrorPage(context, {
    title: "Temporarily unavailable",
    message: "Your password was not changed. Please try again in a minute.",
  }),
  busy: renderErrorPage(context, {
    title: "Busy, please try again",
    message:
      "Your password was not changed: we are busy right now. Please submit the form again in a moment. Your link still works.",
  }),
};

const fairPolicy: PasswordPolicy = { ...strictPolicy, level: "fair", minLength: 1 };
/** Served too, but not scanned: the checklist script is compared with the server on these. */
const LIVE_STATES: Record<string, string> = {
  "live-fair": renderResetForm(context, createFormView(fairPolicy)),
  "live-excellent": renderResetForm(context, createFormView(strictPolicy)),
};

let browser: Browser;
let axeSource: string;
/** Requests for anything but our pages, console errors (CSP violations are some) and exceptions. */
const problems: string[] = [];

beforeAll(async () => {
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });
  axeSource = await readFile(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
  await mkdir(SCREENSHOTS, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
});

afterEach(() => {
  expect(problems.splice(0)).toEqual([]);
});

async function createContext(
  options: Parameters<Browser["newContext"]>[0] = {},
): Promise<BrowserContext> {
  const browserContext = await browser.newContext({ ...DESKTOP, ...options });
  await browserContext.route("**/*", (route) => {
    const url = new URL(route.request().url());
    const name = url.pathname.slice(1);
    const body = url.origin === ORIGIN ? (STATES[name] ?? LIVE_STATES[name]) : undefined;
    if (body === undefined) {
      problems.push(`request for ${url.href}`);
      return route.abort();
    }
    return route.fulfill({
      contentType: "text/html; charset=utf-8",
      headers: { "Content-Security-Policy": CSP },
      body,
    });
  });
  return browserContext;
}

async function openState(browserContext: BrowserContext, state: string): Promise<Page> {
  const page = await browserContext.newPage();
  page.on("console", (message) => {
    if (message.type() === "error") problems.push(`console error on ${state}: ${message.text()}`);
  });
  page.on("pageerror", (error) => problems.push(`exception on ${state}: ${error.message}`));
  await page.goto(`${ORIGIN}/${state}`);
  return page;
}

async function scan(
  page: Page,
): Promise<Array<{ id: string; impact: unknown; targets: unknown[] }>> {
  // Evaluated through the debugging protocol, which the page's CSP does not govern.
  await page.evaluate(axeSource);
  const results = await page.evaluate(() =>
    (globalThis as unknown as { axe: { run(): Promise<AxeResults> } }).axe.run(),
  );
  return results.violations.map((violation) => ({
    id: violation.id,
    impact: violation.impact,
    targets: violation.nodes.map((node) => node.target),
  }));
}

describe.each([
  ["desktop", DESKTOP, ""],
  ["phone (390×844)", PHONE, "-phone"],
] as const)("on a %s screen", (_, device, suffix) => {
  let browserContext: BrowserContext;
  beforeAll(async () => {
    browserContext = await createContext(device);
  });
  afterAll(async () => {
    await browserContext.close();
  });

  it.each(Object.keys(STATES))("the %s page has no accessibility violations", async (state) => {
    const page = await openState(browserContext, state);
    expect(await scan(page)).toEqual([]);
    await page.screenshot({ path: `${SCREENSHOTS}/${state}${suffix}.png`, fullPage: true });
    await page.close();
  });
});

describe("the reset form in Chromium", () => {
  let browserContext: BrowserContext;
  beforeAll(async () => {
    browserContext = await createContext();
  });
  afterAll(async () => {
    await browserContext.close();
  });

  const stateOf = (page: Page, rule: string) =>
    page.locator(`#policy li[data-rule="${rule}"]`).getAttribute("data-state");

  it("ties the exact labels to the password fields", async () => {
    const page = await openState(browserContext, "form");
    await expect(page.getByLabel("New password", { exact: true }).getAttribute("id")).resolves.toBe(
      "password",
    );
    await expect(
      page.getByLabel("Confirm new password", { exact: true }).getAttribute("id"),
    ).resolves.toBe("confirmation");
    await page.close();
  });

  it.each([
    ["fair", fairPolicy],
    ["excellent", strictPolicy],
  ] as const)(
    "updates the checklist exactly as the server's %s policy judges",
    async (_, policy) => {
      const page = await openState(browserContext, `live-${policy.level}`);
      const samples = [
        "a",
        "aaaBBB111!!!",
        "aaBBcc11!!dd",
        "correct horse battery",
        "Straße-2024",
        "Пароль12345x",
        "١٢٣٤٥abcdefG", // Arabic-Indic digits are \p{Nd}
        "e\u0301".repeat(11), // 22 code points, 11 after NFC
        "😀".repeat(11), // 22 UTF-16 code units, 11 code points
        "x".repeat(257),
      ];
      for (const sample of samples) {
        await page.fill("#password", sample);
        const server = checkPassword(sample, policy).rules;
        for (const { rule, ok } of server) {
          if (["dictionary", "personal_data", "history"].includes(rule)) {
            expect(await stateOf(page, rule), `${rule} for ${sample}`).toBe("on-submit");
          } else {
            expect(await stateOf(page, rule), `${rule} for ${sample}`).toBe(ok ? "met" : "unmet");
          }
        }
      }
      await page.fill("#password", "");
      expect(await stateOf(page, "min_length")).toBe("unchecked");
      await page.close();
    },
  );

  it("moves focus to the error summary, and forgets the server's verdicts once the user types", async () => {
    const page = await openState(browserContext, "form-errors");
    expect(await page.evaluate("document.activeElement?.id")).toBe("form-errors");
    expect(await stateOf(page, "history")).toBe("not-checked");
    expect(await stateOf(page, "dictionary")).toBe("unmet");
    await page.fill("#password", "Brand-new passphrase 7");
    expect(await stateOf(page, "history")).toBe("on-submit");
    expect(await stateOf(page, "min_length")).toBe("met");
    expect(await page.getAttribute("#password", "aria-invalid")).toBeNull();
    await page.close();
  });

  it("reveals the show-password toggle, which switches both fields", async () => {
    const page = await openState(browserContext, "form");
    await page.getByLabel("Show password").check();
    expect(await page.getAttribute("#password", "type")).toBe("text");
    expect(await page.getAttribute("#confirmation", "type")).toBe("text");
    await page.getByLabel("Show password").uncheck();
    expect(await page.getAttribute("#confirmation", "type")).toBe("password");
    await page.close();
  });

  it("says whether the confirmation matches", async () => {
    const page = await openState(browserContext, "form");
    await page.fill("#password", "Brand-new passphrase 7");
    await page.fill("#confirmation", "Brand-new");
    expect(await page.textContent("#match-status")).toBe("The passwords do not match yet.");
    await page.fill("#confirmation", "Brand-new passphrase 7");
    expect(await page.textContent("#match-status")).toBe("The passwords match.");
    await page.close();
  });

  it("works without JavaScript: the form is complete and the toggle stays hidden", async () => {
    const noScript = await createContext({ javaScriptEnabled: false });
    const page = await openState(noScript, "form");
    await expect(page.isVisible("#password")).resolves.toBe(true);
    await expect(page.isVisible("#confirmation")).resolves.toBe(true);
    await expect(page.isVisible("#show-password-row")).resolves.toBe(false);
    await page.screenshot({ path: `${SCREENSHOTS}/form-no-js.png`, fullPage: true });
    await noScript.close();
  });
});
