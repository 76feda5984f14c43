import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import type { AxeResults } from "axe-core";
import { type Browser, chromium, type Page } from "playwright-core";

export interface AxeViolation {
  id: string;
  impact: unknown;
  targets: unknown[];
}

export interface PageWatch {
  /** Console errors (CSP violations are some), uncaught exceptions and requests to other origins. */
  problems: string[];
}

/** Debian's Chromium (CHROMIUM_PATH overrides), headless, in a throwaway profile. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });
}

/** Records on `problems` anything a page does that a self-contained page never should. */
export function watchPage(page: Page, allowedOrigin: string): PageWatch {
  const problems: string[] = [];
  const documentUrls = new Set<string>();
  page.on("console", (message) => {
    if (message.type() !== "error") return;
    // Chromium logs every 4xx page it navigates to (a refused form, a used link); the test
    // checks those statuses itself. A failed subresource would still count.
    const isPageStatus =
      FAILED_LOAD.test(message.text()) && documentUrls.has(message.location().url);
    if (!isPageStatus) problems.push(`console error: ${message.text()}`);
  });
  page.on("pageerror", (error) => problems.push(`exception: ${error.message}`));
  page.on("request", (request) => {
    if (request.isNavigationRequest()) documentUrls.add(request.url());
    const url = new URL(request.url());
    // data: URLs (the inline favicon) never leave the browser.
    if (url.protocol !== "data:" && url.origin !== allowedOrigin) {
      problems.push(`request to another origin: ${url.origin}${url.pathname}`);
    }
  });
  return { problems };
}

const FAILED_LOAD = /^Failed to load resource: the server responded with a status of 4\d\d\b/;

let axeSource: Promise<string> | undefined;

/** Runs axe-core on the page as it is now and returns its violations, empty when there are none. */
export async function findAxeViolations(page: Page): Promise<AxeViolation[]> {
  axeSource ??= readFile(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
  // Evaluated through the debugging protocol, which the page's CSP does not govern.
  await page.evaluate(await axeSource);
  const results = await page.evaluate(() =>
    (globalThis as unknown as { axe: { run(): Promise<AxeResults> } }).axe.run(),
  );
  return results.violations.map((violation) => ({
    id: violation.id,
    impact: violation.impact,
    targets: violation.nodes.map((node) => node.target),
  }));
}
