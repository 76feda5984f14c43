/**
 * Errors as they are logged: everything that helps find a fault (type, message, stack, SQL text,
 * SQLSTATE, constraint, table), nothing a statement was given. drizzle puts a failed statement's
 * parameters in its message ("Failed query: …\nparams: …") and in `params`; PGlite's errors carry
 * `params` too, postgres.js's `parameters`, `args` and `types`; and PostgreSQL itself quotes row
 * values in `detail` ("Key (v)=(…) already exists", "Failing row contains (…)"), in `where`
 * ("unnamed portal parameter $1 = '…'") and, for data exceptions, in the message ("invalid input
 * syntax for type uuid: "…""). A parameter can be a new password's hash or a ticket's digest.
 */

export interface SerializedError {
  type: string;
  message: string;
  stack?: string;
  cause?: unknown;
  [key: string]: unknown;
}

/** Properties that hold a statement's parameter values (drizzle, PGlite, postgres.js). */
const PARAMETER_KEYS = ["params", "parameters", "args"] as const;

/**
 * What a database error keeps: PostgreSQL's fields that name things rather than quote values, in
 * PGlite's and postgres.js's spellings, and the SQL text (parameters are `$n` in it).
 */
const DATABASE_FIELDS = new Set([
  "code",
  "severity",
  "constraint",
  "constraint_name",
  "table",
  "table_name",
  "schema",
  "schema_name",
  "column",
  "column_name",
  "dataType",
  "data_type_name",
  "position",
  "hint",
  "routine",
  "file",
  "line",
  "query",
]);

/** Dropped from any error, database or not: parameter lists and PostgreSQL's value-quoting fields. */
const DROPPED_FIELDS = new Set([
  ...PARAMETER_KEYS,
  "types",
  "queryOptions",
  "detail",
  "where",
  "internalQuery",
]);

const SQLSTATE = /^[0-9A-Z]{5}$/;
/** drizzle appends the parameters to the message of a failed statement. */
const DRIZZLE_PARAMS = /\nparams: [\s\S]*$/;
/** Parameter values shorter than this are left in messages: "1" would blank out line numbers. */
const MIN_REDACTED_LENGTH = 4;
const MAX_DEPTH = 8;
const REDACTED = "[redacted]";

export function isError(value: unknown): value is Error {
  return value instanceof Error || Object.prototype.toString.call(value) === "[object Error]";
}

/** The error, its causes and nested errors as plain objects with no statement parameter in them. */
export function serializeError(value: unknown): unknown {
  if (!isError(value)) return value;
  const secrets = collectParameterValues(value, new Set(), 0);
  return serializeOne(value, secrets, new Set(), 0);
}

function serializeOne(
  error: Error,
  secrets: string[],
  seen: Set<unknown>,
  depth: number,
): SerializedError {
  seen.add(error);
  const record = error as unknown as Record<string, unknown>;
  const database = isDatabaseError(record);
  const message = scrubMessage(String(error.message ?? ""), record, secrets);
  // Bundled libraries minify class names (PGlite's errors are an "O"): then the name says more.
  const constructorName = error.constructor?.name ?? "";
  const type = constructorName.length > 2 ? constructorName : error.name || "Error";
  const serialized: SerializedError = { type, message };
  if (typeof error.stack === "string") serialized.stack = scrubStack(error, type, message);
  for (const key of Object.keys(record)) {
    if (key === "message" || key === "stack" || key === "cause" || DROPPED_FIELDS.has(key))
      continue;
    if (database && !DATABASE_FIELDS.has(key)) continue;
    serialized[key] = serializeNested(record[key], secrets, seen, depth);
  }
  // postgres.js keeps the SQL text in a property that is not enumerable.
  if (database && serialized.query === undefined && typeof record.query === "string") {
    serialized.query = record.query;
  }
  if (record.cause !== undefined) {
    serialized.cause = serializeNested(record.cause, secrets, seen, depth);
  }
  return serialized;
}

function serializeNested(
  value: unknown,
  secrets: string[],
  seen: Set<unknown>,
  depth: number,
): unknown {
  if (Array.isArray(value) && value.some(isError)) {
    return value.map((item) => serializeNested(item, secrets, seen, depth));
  }
  if (!isError(value)) return value;
  if (seen.has(value)) return "[circular]";
  if (depth + 1 >= MAX_DEPTH) return "[too deep]";
  return serializeOne(value, secrets, seen, depth + 1);
}

/** A PostgreSQL error (five-character SQLSTATE with a severity) or a driver's failed-query wrapper. */
function isDatabaseError(record: Record<string, unknown>): boolean {
  const fromServer =
    typeof record.code === "string" && SQLSTATE.test(record.code) && "severity" in record;
  const failedQuery =
    typeof record.query === "string" && PARAMETER_KEYS.some((key) => key in record);
  return fromServer || failedQuery;
}

function scrubMessage(message: string, record: Record<string, unknown>, secrets: string[]) {
  let scrubbed = message.replace(DRIZZLE_PARAMS, "\nparams: [redacted]");
  for (const secret of secrets) scrubbed = scrubbed.split(secret).join(REDACTED);
  // Class 22 (data exception) messages quote the offending input, which came from a parameter.
  if (typeof record.code === "string" && record.code.startsWith("22")) {
    scrubbed = scrubbed
      .replace(/"[^"]*"/g, `"${REDACTED}"`)
      .replace(/0x[0-9a-f]{2}(?: 0x[0-9a-f]{2})*/gi, REDACTED);
  }
  return scrubbed;
}

/** The stack's frames under a header rebuilt from the scrubbed message: frames hold no values. */
function scrubStack(error: Error, type: string, message: string): string {
  const frames = String(error.stack)
    .split("\n")
    .filter((line) => /^\s+at /.test(line));
  return [`${type}: ${message}`, ...frames].join("\n");
}

/** Every parameter value anywhere in the chain, as the text it would appear as in a message. */
function collectParameterValues(error: unknown, seen: Set<unknown>, depth: number): string[] {
  if (!error || typeof error !== "object" || seen.has(error) || depth >= MAX_DEPTH) return [];
  seen.add(error);
  const record = error as Record<string, unknown>;
  const found: string[] = [];
  for (const key of PARAMETER_KEYS) {
    // Read directly: postgres.js defines these as non-enumerable properties.
    const value = record[key];
    if (Array.isArray(value)) found.push(...value.flatMap((item) => asTexts(item)));
  }
  found.push(...collectParameterValues(record.cause, seen, depth + 1));
  return [...new Set(found)]
    .filter((text) => text.length >= MIN_REDACTED_LENGTH)
    .sort((a, b) => b.length - a.length);
}

function asTexts(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (typeof value === "number" || typeof value === "bigint") return [String(value)];
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? [] : [value.toISOString()];
  if (Array.isArray(value)) return value.flatMap((item) => asTexts(item));
  if (value && typeof value === "object" && !ArrayBuffer.isView(value)) {
    try {
      return [JSON.stringify(value)];
    } catch {
      return [];
    }
  }
  return [];
}
