import { PgDialect } from "drizzle-orm/pg-core";
import { describe, expect, it } from "vitest";
import { positionalSql } from "../../src/db/raw-query.ts";

const dialect = new PgDialect();

describe("positionalSql", () => {
  it("turns $n placeholders into drizzle parameters, a repeated one into two", () => {
    const query = dialect.sqlToQuery(
      positionalSql("select $2::int + $1::int, $2::text, '$x'", [1, 2]),
    );

    expect(query.sql).toBe("select $1::int + $2::int, $3::text, '$x'");
    expect(query.params).toEqual([2, 1, 2]);
  });

  it("refuses a placeholder with no parameter", () => {
    expect(() => positionalSql("select $3", [1, 2])).toThrow(/no parameter \$3/);
  });
});
