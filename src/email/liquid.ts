import { Liquid, type LiquidOptions } from "liquidjs";

// Templates are written by admins but rendered by the worker for every email, so the engine is
// sandboxed: no file system (`templates: {}` makes every include/render/layout fail), no access
// to prototype properties, unknown filters are errors, and time/size/memory are capped so one
// template cannot hang or exhaust the process.
const SANDBOX: LiquidOptions = {
  templates: {},
  relativeReference: false,
  ownPropertyOnly: true,
  strictFilters: true,
  lenientIf: true,
  parseLimit: 200_000,
  renderLimit: 500,
  memoryLimit: 10_000_000,
};

/** For HTML: every `{{ output }}` is HTML-escaped unless the template says `| raw`. */
export const htmlLiquid = new Liquid({ ...SANDBOX, outputEscape: "escape" });

/** For header values (subject, from): no escaping; callers sanitise the result. */
export const plainLiquid = new Liquid(SANDBOX);

export interface RenderLiquidOptions {
  /** Validation renders strictly so that a misspelt variable is reported, not rendered empty. */
  strictVariables?: boolean;
}

export async function renderLiquid(
  engine: Liquid,
  source: string,
  scope: object,
  options: RenderLiquidOptions = {},
): Promise<string> {
  const output: unknown = await engine.parseAndRender(source, scope, {
    strictVariables: options.strictVariables ?? false,
  });
  return String(output);
}

/** Same as renderLiquid, synchronously: for validation, which must not need a promise. */
export function renderLiquidSync(
  engine: Liquid,
  source: string,
  scope: object,
  options: RenderLiquidOptions = {},
): string {
  const output: unknown = engine.parseAndRenderSync(source, scope, {
    strictVariables: options.strictVariables ?? false,
  });
  return String(output);
}
