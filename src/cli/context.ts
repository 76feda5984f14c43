import type { AuditEntry } from "../audit/ports.ts";
import { type Config, loadConfig } from "../config.ts";
import { openDatabase } from "../db/client.ts";
import { migrateDatabase } from "../db/migrate.ts";
import { createRepository, type Repository } from "../db/stores.ts";
import { createArgon2Hasher } from "../passwords/argon2-hasher.ts";
import type { PasswordHasher } from "../passwords/hasher.ts";

/** A bad-input outcome: printed as one line on stderr, exit code 1. */
export class CliError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CliError";
  }
}

export interface CliContext {
  config: Config;
  repo: Repository;
  hasher: PasswordHasher;
  print(line: string): void;
  /** Records a change made by this command, as the CLI user ($USER). */
  audit(entry: Omit<AuditEntry, "actorType" | "actorId">): Promise<void>;
}

/** Opens the configured database (migrating it, so a first command on a new machine just works). */
export async function withContext<T>(work: (context: CliContext) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const handle = await openDatabase({
    databaseUrl: config.databaseUrl,
    pgliteDataDir: config.pgliteDataDir,
    maxConnections: 2,
    throughRunningServer: true,
  });
  try {
    await migrateDatabase(handle);
    const repo = createRepository(handle);
    return await work({
      config,
      repo,
      hasher: createArgon2Hasher(),
      print: (line) => process.stdout.write(`${line}\n`),
      audit: (entry) => repo.audit.record({ ...cliActor(), ...entry }),
    });
  } finally {
    await handle.close();
  }
}

/** Who a CLI change is audited as: the OS user that ran it. */
export function cliActor() {
  return { actorType: "cli" as const, actorId: process.env.USER ?? null };
}

export async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

export function parseIntegerOption(name: string, min: number, max: number) {
  return (value: string): number => {
    const parsed = Number(value);
    if (!Number.isInteger(parsed) || parsed < min || parsed > max) {
      throw new CliError(`${name} must be a whole number from ${min} to ${max}, got "${value}"`);
    }
    return parsed;
  };
}
