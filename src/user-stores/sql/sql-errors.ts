/*
 * Driver errors (postgres.js, mysql2, Node sockets) turned into short reasons an operator can act
 * on. Reasons are built from codes and addresses, not from the drivers' messages, so that nothing
 * the URL held (user, password) can leak into a log line or a Slack message.
 */

export type SqlProblem =
  | "unreachable"
  | "credentials"
  | "missing_database"
  | "missing_table"
  | "missing_column"
  | "permission"
  | "busy"
  | "timeout"
  | "other";

/**
 * Failures after which no statement can have been carried out: the connection was never made, or
 * the server refused the statement. After any other (a connection lost mid-statement, a timeout)
 * an UPDATE may have committed.
 */
const NEVER_SENT_CODES = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "CONNECT_TIMEOUT",
]);
const REFUSED_PROBLEMS = new Set<SqlProblem>([
  "credentials",
  "missing_database",
  "missing_table",
  "missing_column",
  "permission",
  "busy",
]);

/** Whether a statement that failed so may all the same have been carried out. */
export function mayHaveApplied(error: unknown, problem: SqlProblem): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === "string" && NEVER_SENT_CODES.has(code)) return false;
  return !REFUSED_PROBLEMS.has(problem);
}

export interface ExplainedError {
  problem: SqlProblem;
  /** One short line, without credentials. */
  reason: string;
}

const SOCKET_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ETIMEDOUT",
  "EPIPE",
  "CONNECT_TIMEOUT",
]);

/** By SQLSTATE (PostgreSQL) or mysql2's error code name. */
const PROBLEMS: Record<string, SqlProblem> = {
  "28P01": "credentials",
  "28000": "credentials",
  SASL_SIGNATURE_MISMATCH: "credentials",
  AUTH_TYPE_NOT_IMPLEMENTED: "credentials",
  ER_ACCESS_DENIED_ERROR: "credentials",
  ER_NOT_SUPPORTED_AUTH_MODE: "credentials",
  "3D000": "missing_database",
  ER_BAD_DB_ERROR: "missing_database",
  "42P01": "missing_table",
  "3F000": "missing_table",
  ER_NO_SUCH_TABLE: "missing_table",
  "42703": "missing_column",
  ER_BAD_FIELD_ERROR: "missing_column",
  "42501": "permission",
  ER_DBACCESS_DENIED_ERROR: "permission",
  ER_TABLEACCESS_DENIED_ERROR: "permission",
  ER_COLUMNACCESS_DENIED_ERROR: "permission",
  "53300": "busy",
  "53400": "busy",
  "57P03": "busy",
  ER_CON_COUNT_ERROR: "busy",
  ER_TOO_MANY_USER_CONNECTIONS: "busy",
  ER_USER_LIMIT_REACHED: "busy",
  "57014": "timeout",
  PROTOCOL_SEQUENCE_TIMEOUT: "timeout",
  ER_STATEMENT_TIMEOUT: "timeout",
  ER_QUERY_TIMEOUT: "timeout",
  PASSDESK_DEADLINE: "timeout",
  "57P01": "unreachable",
  "57P02": "unreachable",
  CONNECTION_CLOSED: "unreachable",
  CONNECTION_DESTROYED: "unreachable",
  CONNECTION_ENDED: "unreachable",
  PROTOCOL_CONNECTION_LOST: "unreachable",
  ER_SERVER_SHUTDOWN: "unreachable",
};

const REASONS: Record<Exclude<SqlProblem, "unreachable" | "timeout" | "other">, string> = {
  credentials: "the database refused the credentials",
  missing_database: "the database does not exist",
  missing_table: "the table does not exist",
  missing_column: "a mapped column does not exist",
  permission: "permission denied on the table",
  busy: "the database has too many connections",
};

interface DriverErrorFields {
  code?: unknown;
  message?: unknown;
  address?: unknown;
  port?: unknown;
  hostname?: unknown;
}

export interface ExplainContext {
  timeoutMillis: number;
  /** `host:port` from the URL, for errors that carry no address (mysql2's connect timeout). */
  address: string;
  /** The URL's password, as written and decoded: cut out of any driver text used. */
  secrets: readonly string[];
}

export function explainDriverError(error: unknown, context: ExplainContext): ExplainedError {
  const fields: DriverErrorFields = typeof error === "object" && error !== null ? error : {};
  const code = typeof fields.code === "string" ? fields.code : "";
  const problem = SOCKET_CODES.has(code) ? "unreachable" : (PROBLEMS[code] ?? "other");
  if (problem === "unreachable") return { problem, reason: unreachable(code, fields, context) };
  if (problem === "timeout") {
    return { problem, reason: `timed out after ${context.timeoutMillis} ms` };
  }
  if (problem === "other") return { problem, reason: other(code, fields, context.secrets) };
  return { problem, reason: `${REASONS[problem]} (${code})` };
}

/** `cannot reach the database (ECONNREFUSED 127.0.0.1:3306)`: the address, never the user. */
function unreachable(code: string, fields: DriverErrorFields, context: ExplainContext): string {
  const host = fields.address ?? fields.hostname;
  const where =
    host === undefined ? context.address : `${String(host)}${fields.port ? `:${fields.port}` : ""}`;
  return `cannot reach the database (${code} ${where})`;
}

/** An unforeseen error: its code and the first line of its message, short and redacted. */
function other(code: string, fields: DriverErrorFields, secrets: readonly string[]): string {
  const line = (typeof fields.message === "string" ? fields.message : "").split("\n")[0] ?? "";
  const redacted = secrets.reduce(
    (text, secret) => (secret ? text.replaceAll(secret, "***") : text),
    line,
  );
  const text = redacted.slice(0, 160);
  return `database error${code ? ` ${code}` : ""}${text ? `: ${text}` : ""}`;
}
