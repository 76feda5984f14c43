import type { Command } from "commander";
import type { Connection } from "../../users/connection.ts";
import { isValidEmail, normalizeEmail } from "../../users/email.ts";
import {
  checkStoreBaseUrl,
  ExternalStoreUnavailableError,
  type StoreConfig,
  storeConfigSchema,
} from "../../users/external-store.ts";
import type { ExternalStoreRegistry } from "../../users/linked-user-store.ts";
import { CliError, type CliRuntime } from "../context.ts";

/** The options of `connections add|set` that point a database connection at an external store. */
export interface StoreOptions {
  store?: string;
  storeUrlEnv?: string;
  storeUrl?: string;
  secretEnv?: string;
  table?: string;
  idColumn?: string;
  emailColumn?: string;
  passwordColumn?: string;
  nameColumn?: string;
  givenNameColumn?: string;
  familyNameColumn?: string;
  nicknameColumn?: string;
  emailVerifiedColumn?: string;
  blockedColumn?: string;
  blockedValue?: string;
  hash?: string;
  bcryptCost?: string;
  bcryptPrefix?: string;
  check?: boolean;
}

export function withStoreOptions(command: Command): Command {
  return command
    .option("--store <kind>", "keep the users in the organisation's own store: sql or http")
    .option("--store-url-env <NAME>", "sql: the environment variable holding the database URL")
    .option("--table <name>", "sql: the users table ([schema.]table)")
    .option("--id-column <name>", "sql: the id column", "id")
    .option("--email-column <name>", "sql: the email column", "email")
    .option("--password-column <name>", "sql: the password hash column")
    .option("--name-column <name>", "sql: full name (optional)")
    .option("--given-name-column <name>", "sql: given name (optional)")
    .option("--family-name-column <name>", "sql: family name (optional)")
    .option("--nickname-column <name>", "sql: nickname (optional)")
    .option("--email-verified-column <name>", "sql: email verified: a flag or a timestamp")
    .option("--blocked-column <name>", "sql: blocked: a flag or a timestamp")
    .option("--blocked-value <value>", "sql: the blocked column's value that means blocked")
    .option("--hash <format>", "sql: how the app hashes passwords: bcrypt or argon2id", "bcrypt")
    .option("--bcrypt-cost <n>", "sql: bcrypt cost for new passwords (4-14)", "10")
    .option("--bcrypt-prefix <p>", "sql: 2b (Node, Devise), 2y (PHP, Laravel) or 2a", "2b")
    .option("--store-url <url>", "http: the store's base URL (https; http on loopback only)")
    .option("--secret-env <NAME>", "http: the environment variable holding the signing secret")
    .option("--no-check", "do not reach the store before saving (it is checked at each start)");
}

/** The store the options describe; undefined without --store. One CliError for what is wrong. */
export function readStoreOptions(options: StoreOptions): StoreConfig | undefined {
  if (options.store === undefined) return undefined;
  const candidate =
    options.store === "sql"
      ? {
          kind: "sql",
          urlEnv: options.storeUrlEnv,
          table: options.table,
          columns: Object.fromEntries(
            Object.entries({
              id: options.idColumn,
              email: options.emailColumn,
              passwordHash: options.passwordColumn,
              name: options.nameColumn,
              givenName: options.givenNameColumn,
              familyName: options.familyNameColumn,
              nickname: options.nicknameColumn,
              emailVerified: options.emailVerifiedColumn,
              blocked: options.blockedColumn,
            }).filter(([, value]) => value !== undefined),
          ),
          ...(options.blockedValue !== undefined && { blockedValue: options.blockedValue }),
          hashFormat:
            options.hash === "argon2id"
              ? { algorithm: "argon2id" }
              : {
                  algorithm: options.hash,
                  cost: Number(options.bcryptCost),
                  prefix: options.bcryptPrefix,
                },
        }
      : options.store === "http"
        ? { kind: "http", baseUrl: options.storeUrl, secretEnv: options.secretEnv }
        : undefined;
  if (!candidate) throw new CliError(`--store must be sql or http, got "${options.store}"`);
  const parsed = storeConfigSchema.safeParse(candidate);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) => `${OPTION_OF[issue.path.join(".")] ?? issue.path.join(".")} ${issue.message}`,
    );
    throw new CliError(`the store options are not usable: ${problems.join("; ")}`);
  }
  if (parsed.data.kind === "http") {
    const problem = checkStoreBaseUrl(parsed.data.baseUrl);
    if (problem) throw new CliError(`--store-url ${problem}`);
  }
  return parsed.data;
}

const OPTION_OF: Record<string, string> = {
  urlEnv: "--store-url-env",
  table: "--table",
  "columns.id": "--id-column",
  "columns.email": "--email-column",
  "columns.passwordHash": "--password-column",
  "hashFormat.algorithm": "--hash",
  "hashFormat.cost": "--bcrypt-cost",
  "hashFormat.prefix": "--bcrypt-prefix",
  baseUrl: "--store-url",
  secretEnv: "--secret-env",
};

/** Reaches the store and checks its mapping; one CliError line when it cannot. */
export async function checkStore(
  registry: ExternalStoreRegistry,
  connection: Pick<Connection, "id" | "name" | "store">,
): Promise<void> {
  try {
    await registry.storeFor(connection as Connection).check();
  } catch (error) {
    if (error instanceof ExternalStoreUnavailableError) throw new CliError(error.message);
    throw new CliError((error as Error).message);
  }
}

/** What `connections list` shows of a store: its kind and where, never a credential. */
export function describeStore(store: Connection["store"]): string {
  if (store === undefined) return "";
  if (store === "invalid") return " store=invalid";
  if (store.kind === "http") return ` store=http(${store.baseUrl}, secret in $${store.secretEnv})`;
  const hash =
    store.hashFormat.algorithm === "bcrypt"
      ? `bcrypt $${store.hashFormat.prefix}$ cost ${store.hashFormat.cost}`
      : "argon2id";
  return ` store=sql($${store.urlEnv}, table ${store.table}, ${hash})`;
}

/** `passdesk connections test NAME EMAIL`: reaches the store and shows one user as mapped. */
export function registerStoreTestCommand(connections: Command, { withContext }: CliRuntime) {
  connections
    .command("test")
    .description("reach a connection's user store and show one user as Passdesk reads them")
    .argument("<name>", "the connection")
    .argument("<email>", "a user's email")
    .action((name: string, email: string) =>
      withContext(async ({ repo, externalStores, print }) => {
        const connection = await repo.connections.findByName(name);
        if (!connection) throw new CliError(`no such connection: ${name}`);
        if (!connection.store) throw new CliError(`${name} keeps its users in Passdesk's tables`);
        const normalized = normalizeEmail(email);
        if (!isValidEmail(normalized)) throw new CliError(`not an email address: ${email}`);
        await checkStore(externalStores, connection);
        print(`${name}: reached ${externalStores.storeFor(connection).description}`);
        const user = await repo.users.findByEmail(connection.id, normalized).catch((error) => {
          if (error instanceof ExternalStoreUnavailableError) throw new CliError(error.message);
          throw error;
        });
        if (!user) {
          print(`no user ${normalized} (or more than one with that email)`);
          return;
        }
        print(`user_id\t${user.externalId}`);
        print(`email\t${user.email}`);
        print(`email_verified\t${user.emailVerified}`);
        for (const [label, value] of [
          ["name", user.name],
          ["given_name", user.givenName],
          ["family_name", user.familyName],
          ["nickname", user.nickname],
        ] as const) {
          if (value !== null) print(`${label}\t${value}`);
        }
        print(`blocked\t${user.blocked}`);
        // Never the hash itself: whether there is one, and its kind.
        print(`password\t${describeHash(user.passwordHash)}`);
      }),
    );
}

function describeHash(hash: string | null): string {
  if (hash === null) return "checked by the store (verify_password)";
  if (/^\$2[aby]\$/.test(hash)) return `bcrypt ${hash.slice(0, 4)} cost ${hash.slice(4, 6)}`;
  if (hash.startsWith("$argon2")) return "argon2";
  return hash === "" ? "none" : "set, in a format Passdesk does not verify";
}
