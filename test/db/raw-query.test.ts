import { PgDialect } from "drizzle-orm/pg-core";
import { describe, expect, it } from "vitest";
import { jsonArrayOf, jsonParameter, positionalSql } from "../../src/db/raw-query.ts";

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

describe("jsonParameter", () => {
  it("is JSON.stringify's text when no string holds a lone surrogate", () => {
    const value = {
      email: "zoë@example.com",
      n: 1,
      at: new Date(0),
      none: null,
      list: ["a\u0001"],
    };

    expect(jsonParameter(value)).toBe(JSON.stringify(value));
  });

  it("stores a lone surrogate as U+FFFD, as PostgreSQL would, wherever it is", () => {
    const text = jsonParameter([{ email: "a\ud800b@example.com", tags: ["\udfff"] }]);

    expect(JSON.parse(text)).toEqual([{ email: "a\ufffdb@example.com", tags: ["\ufffd"] }]);
    expect(text).not.toMatch(/\\ud[89a-f]/i);
  });

  it("keeps a backslash followed by 'ud800' as typed (it only looks like an escape)", () => {
    const value = { note: "\\ud800 is not a surrogate" };

    expect(JSON.parse(jsonParameter(value))).toEqual(value);
  });
});

describe("jsonArrayOf", () => {
  it("joins JSON texts into one JSON array", () => {
    expect(JSON.parse(jsonArrayOf(['{"a":1}', "2", '"x"']))).toEqual([{ a: 1 }, 2, "x"]);
    expect(JSON.parse(jsonArrayOf(["[]"]))).toEqual([[]]);
    expect(jsonArrayOf([])).toBe("[]");
  });
});
