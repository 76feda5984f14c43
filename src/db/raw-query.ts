import type { PGlite } from "@electric-sql/pglite";
import { type SQL, sql } from "drizzle-orm";
import type postgres from "postgres";
import type { Executor } from "./client.ts";
import { rowsOf } from "./rows.ts";

/**
 * Runs one statement written as PostgreSQL text with `$1`…`$n` parameters. For the few statements
 * on a hot path: drizzle turns its `sql` objects into text and parameters again on every call
 * (about a fifth of the CPU of the public endpoint under load), while this text is written once.
 * Rows come back as PostgreSQL names their columns.
 */
export type RawQuery = <T>(text: string, parameters: readonly unknown[]) => Promise<T[]>;

/**
 * Straight to postgres.js, as a prepared statement (parsed and planned once per connection). The
 * client is the one drizzle wraps, which passes json and jsonb parameters through as given: a
 * `jsonParameter` string arrives as that JSON, not encoded a second time.
 */
export function postgresQuery(
  client: postgres.Sql | postgres.TransactionSql,
  { prepare = true } = {},
): RawQuery {
  return async <T>(text: string, parameters: readonly unknown[]) =>
    (await client.unsafe(text, parameters as postgres.ParameterOrJSON<never>[], {
      prepare,
    })) as unknown as T[];
}

export function pgliteQuery(client: Pick<PGlite, "query">): RawQuery {
  return async <T>(text: string, parameters: readonly unknown[]) =>
    (await client.query<T>(text, parameters as unknown[])).rows;
}

const PLACEHOLDER = /\$(\d+)/g;
/** Split texts, by text: callers pass a few fixed texts, never text built from values. */
const parsed = new Map<string, { literals: string[]; indexes: number[] }>();

/** The same text through drizzle (a transaction, where the driver's own client is not at hand). */
export function drizzleQuery(db: Executor): RawQuery {
  return async <T>(text: string, parameters: readonly unknown[]) =>
    rowsOf<T>(await db.execute(positionalSql(text, parameters)));
}

/** `$n` placeholders as drizzle parameters; a number used twice becomes two parameters. */
export function positionalSql(text: string, parameters: readonly unknown[]): SQL {
  let split = parsed.get(text);
  if (!split) {
    const literals: string[] = [];
    const indexes: number[] = [];
    let from = 0;
    for (const match of text.matchAll(PLACEHOLDER)) {
      literals.push(text.slice(from, match.index));
      indexes.push(Number(match[1]) - 1);
      from = match.index + match[0].length;
    }
    literals.push(text.slice(from));
    split = { literals, indexes };
    parsed.set(text, split);
  }
  const chunks: SQL[] = [];
  split.literals.forEach((literal, i) => {
    chunks.push(sql.raw(literal));
    const index = split.indexes[i];
    if (index === undefined) return;
    if (index >= parameters.length) throw new RangeError(`no parameter $${index + 1}`);
    chunks.push(sql`${sql.param(parameters[index])}`);
  });
  return sql.join(chunks);
}

/**
 * The text PostgreSQL stores for `value`: a lone surrogate becomes U+FFFD on its way there (as
 * UTF-8 has no form for it). Anything compared with what the database returns is compared in
 * this form, so that a value the edges should have refused is still matched with its own row.
 */
export function storedText(value: string): string {
  return value.toWellFormed();
}

/**
 * A value as one JSON text parameter, for statements that take a whole batch of rows at once
 * (`jsonb_to_recordset($1::jsonb)`): one parameter however many rows. Strings go as storedText:
 * jsonb would refuse a lone surrogate's escape.
 */
export function jsonParameter(value: unknown): string {
  // JSON.stringify escapes a lone surrogate as \udXXX and no other character in that range, so
  // the replacer (several times slower, on the public endpoint's every statement) is only
  // needed when one shows up; `\\udXXX` (an escaped backslash) is a false alarm, and harmless.
  const text = JSON.stringify(value);
  if (!SURROGATE_ESCAPE.test(text)) return text;
  return JSON.stringify(value, (_key, item) =>
    typeof item === "string" ? storedText(item) : item,
  );
}

const SURROGATE_ESCAPE = /\\ud[89a-f]/i;

/**
 * Row texts (each already JSON) as one JSON array, built by a single join so that it is one flat
 * string: postgres.js measures a parameter with Buffer.byteLength, which first copies a string
 * built by concatenation (`[${rows}]`) into a flat one, a second copy of the whole batch.
 */
export function jsonArrayOf(rows: readonly string[]): string {
  if (rows.length === 0) return "[]";
  const parts = [...rows];
  const last = parts.length - 1;
  parts[0] = `[${parts[0]}`;
  parts[last] = `${parts[last]}]`;
  return parts.join(",");
}
