import type { SqlColumns } from "../../users/external-store.ts";
import type { SqlDialect, SqlParam } from "./sql-drivers.ts";

/*
 * The SQL text of a store, built once from its validated, quoted identifiers. Requests only ever
 * supply parameters ($n / ?): no email, id or hash is ever spliced into the text.
 */

export interface SqlStatements {
  /** Users whose lowercased email is `$1`, at most 2 (two means ambiguous). */
  byEmail: string;
  /** Users whose lowercased email is any of `keys`: one text[] parameter or one `?` each. */
  byEmails(keys: string[]): { text: string; params: SqlParam[] };
  /**
   * Sets `$1` as the hash of the user whose id is `$2`, sent as text. PostgreSQL types an
   * untyped parameter after the column (bigint, uuid…) and MySQL converts it, so the primary
   * key's index still serves, where `id::text = $2` would scan the table.
   */
  setHash: string;
  /** Selects every mapped column and no row: checks the mapping. */
  probe: string;
  /** Selects one column and no row: finds which one is missing. */
  probeColumn(column: string): string;
}

/** Selected rows are keyed by profile field; this alias holds lower(email), the key matched. */
export const EMAIL_KEY = "emailKey";

export function buildStatements(
  dialect: SqlDialect,
  table: string,
  columns: SqlColumns,
): SqlStatements {
  const quote = dialect === "postgresql" ? quotePostgres : quoteMysql;
  const from = table.split(".").map(quote).join(".");
  const email = quote(columns.email);
  const mapped = Object.entries(columns).flatMap(([field, column]) =>
    column === undefined ? [] : [`${quote(column)} as ${quote(field)}`],
  );
  const select = `select ${[...mapped, `lower(${email}) as ${quote(EMAIL_KEY)}`].join(", ")} from ${from}`;
  const setHash = `update ${from} set ${quote(columns.passwordHash)} = ${placeholder(dialect, 1)} where ${quote(columns.id)} = ${placeholder(dialect, 2)}`;
  if (dialect === "postgresql") {
    return {
      byEmail: `${select} where lower(${email}) = $1 limit 2`,
      byEmails: (keys) => ({
        text: `${select} where lower(${email}) = any($1::text[])`,
        params: [keys],
      }),
      setHash,
      probe: `${select} where 1 = 0`,
      probeColumn: (column) => `select ${quote(column)} from ${from} where 1 = 0`,
    };
  }
  // MySQL compares under the column's collation, which may ignore accents and trailing spaces
  // (utf8mb4_general_ci has 'jäne' = 'jane'): comparing bytes keeps the match as exact as
  // PostgreSQL's.
  const key = `cast(lower(${email}) as binary)`;
  return {
    byEmail: `${select} where ${key} = cast(? as binary) limit 2`,
    byEmails: (keys) => ({
      text: `${select} where ${key} in (${keys.map(() => "cast(? as binary)").join(", ")})`,
      params: keys,
    }),
    setHash,
    probe: `${select} where 1 = 0`,
    probeColumn: (column) => `select ${quote(column)} from ${from} where 1 = 0`,
  };
}

function placeholder(dialect: SqlDialect, index: number): string {
  return dialect === "postgresql" ? `$${index}` : "?";
}

/** The zod schema already allows letters, digits and `_` only; quoting keeps reserved words. */
function quotePostgres(identifier: string): string {
  return `"${identifier.replaceAll('"', '""')}"`;
}

function quoteMysql(identifier: string): string {
  return `\`${identifier.replaceAll("`", "``")}\``;
}
