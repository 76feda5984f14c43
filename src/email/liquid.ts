import { Liquid, type LiquidOptions, type Template } from "liquidjs";

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

const PARSED_CACHE_SIZE = 100;
const parsedSources = new WeakMap<Liquid, Map<string, Template[]>>();

/**
 * `source` parsed by `engine`, remembered: the worker renders the same few templates for every
 * email, and parsing them again each time cost as much as rendering. Parsing depends only on
 * the engine and the text, so an edited template is simply a new entry.
 */
function parsed(engine: Liquid, source: string): Template[] {
  let cache = parsedSources.get(engine);
  if (!cache) {
    cache = new Map();
    parsedSources.set(engine, cache);
  }
  let templates = cache.get(source);
  if (!templates) {
    templates = engine.parse(source);
    if (cache.size >= PARSED_CACHE_SIZE) cache.clear();
    cache.set(source, templates);
  }
  return templates;
}

export async function renderLiquid(
  engine: Liquid,
  source: string,
  scope: object,
  options: RenderLiquidOptions = {},
): Promise<string> {
  const output: unknown = await engine.render(parsed(engine, source), scope, {
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
