/** Where Passdesk tried to connect: enough to name the server, never the password. */
export interface PostgresTarget {
  host: string;
  port: string;
  database: string;
  user: string;
}

/** The parts of URL that are safe to print (the password stays out). */
export function describePostgresTarget(url: string): PostgresTarget {
  const parsed = new URL(url);
  return {
    host: parsed.hostname,
    port: parsed.port || "5432",
    database: decodeURIComponent(parsed.pathname.replace(/^\//, "")) || "postgres",
    user: decodeURIComponent(parsed.username) || "postgres",
  };
}

interface ConnectFailure {
  code?: string;
  message?: string;
}

/**
 * One line saying why the first connection failed, and what to do when that is obvious. Server
 * messages (SQLSTATE classes 28 and 3D) name the database or role, never the password; anything
 * else is reduced to its code so that no driver message can carry the URL.
 */
export function describePostgresConnectFailure(error: unknown, target: PostgresTarget): string {
  const { code, message } = (error ?? {}) as ConnectFailure;
  const at = `${target.host}:${target.port}`;
  switch (code) {
    case "3D000":
      return `PostgreSQL at ${at}: database "${target.database}" does not exist (create it: createdb -h ${target.host} -p ${target.port} ${target.database})`;
    case "28P01":
      return `PostgreSQL at ${at}: password authentication failed for user "${target.user}"`;
    case "28000":
      // "role … does not exist", or pg_hba.conf has no line for this host, user and database.
      return `PostgreSQL at ${at}: ${serverMessage(message, code)}`;
    case "ECONNREFUSED":
      return `cannot connect to PostgreSQL at ${at}: connection refused (is it running, on that port?)`;
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return `cannot connect to PostgreSQL at ${at}: unknown host "${target.host}"`;
    case "CONNECT_TIMEOUT":
    case "ETIMEDOUT":
      return `cannot connect to PostgreSQL at ${at}: no answer within 5 s`;
    case "EHOSTUNREACH":
    case "ENETUNREACH":
      return `cannot connect to PostgreSQL at ${at}: host unreachable`;
    case "ECONNRESET":
      return `cannot connect to PostgreSQL at ${at}: the connection was closed during start-up (TLS required?)`;
    case "57P03":
      return `PostgreSQL at ${at}: the database system is starting up; try again`;
    case "53300":
      return `PostgreSQL at ${at}: too many connections`;
  }
  if (code && /^[0-9A-Z]{5}$/.test(code))
    return `PostgreSQL at ${at}: ${serverMessage(message, code)}`;
  return `cannot connect to PostgreSQL at ${at} (${code ?? "unknown error"})`;
}

/** A server's error message (one line) with its SQLSTATE. */
function serverMessage(message: string | undefined, code: string): string {
  const line = (message ?? "").split("\n")[0]?.trim();
  return line ? `${line} (${code})` : `error ${code}`;
}
