/**
 * Whether a string is well-formed Unicode: no lone UTF-16 surrogate. PostgreSQL, JSON encoders
 * and UTF-8 all replace or refuse lone surrogates, so a value holding one would be stored,
 * compared and keyed as a different string from the one the request carried. Every edge refuses
 * such input rather than letting it become two strings.
 */
export function isWellFormedText(value: string): boolean {
  return value.isWellFormed();
}

/** Nesting deeper than this is refused outright; no request Passdesk accepts comes close. */
const MAX_DEPTH = 32;

/**
 * The path of the first string in `value` (an object key or a value, at any depth) that is not
 * well-formed, `"(too deep)"` for structures nested beyond any real payload, or undefined when
 * every string is well-formed.
 */
export function findIllFormedText(value: unknown, path = "", depth = 0): string | undefined {
  if (typeof value === "string") return isWellFormedText(value) ? undefined : path || "(value)";
  if (value === null || typeof value !== "object") return undefined;
  if (depth >= MAX_DEPTH) return "(too deep)";
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      const found = findIllFormedText(item, `${path}[${index}]`, depth + 1);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  for (const [key, item] of Object.entries(value)) {
    const keyPath = path ? `${path}.${key}` : key;
    if (!isWellFormedText(key)) return keyPath;
    const found = findIllFormedText(item, keyPath, depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}
