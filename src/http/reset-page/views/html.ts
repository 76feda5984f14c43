import { escapeHtml } from "../../../html-escape.ts";

export { escapeHtml };

/** Markup that is already safe to emit: built by `html` or vouched for with `raw`. */
export class SafeHtml {
  constructor(readonly value: string) {}

  toString(): string {
    return this.value;
  }
}

/** `false`, `null` and `undefined` render nothing, so `${condition && html`…`}` reads naturally. */
export type HtmlValue =
  | string
  | number
  | SafeHtml
  | readonly HtmlValue[]
  | false
  | null
  | undefined;

/** Trusts a constant of ours (a stylesheet, a script). Never pass it user or request data. */
export function raw(trusted: string): SafeHtml {
  return new SafeHtml(trusted);
}

/** A template tag that escapes every interpolated value unless it is already `SafeHtml`. */
export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): SafeHtml {
  let result = strings[0] ?? "";
  values.forEach((value, index) => {
    result += render(value) + (strings[index + 1] ?? "");
  });
  return new SafeHtml(result);
}

function render(value: HtmlValue): string {
  if (value === false || value === null || value === undefined) return "";
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map(render).join("");
  return escapeHtml(String(value));
}
