import { randomBytes } from "node:crypto";
import bcrypt from "bcrypt";
import type { FakeSendGrid } from "../test/support/fake-sendgrid.ts";
import { PASSDESK_ARGON2_IN_FLIGHT, rawArgon2Rate } from "./argon2-floor.ts";
import {
  type BenchDatabase,
  createBenchDatabase,
  DEFAULT_CONNECTION,
  emailsFor,
  issueTickets,
  seedUsers,
} from "./database.ts";
import { benchDrain } from "./drain.ts";
import type { ChildServer } from "./processes.ts";
import { figure, type SectionResult } from "./report-types.ts";
import { submitForms } from "./reset-submit.ts";

/** The environment variable the bench's Passdesk reads the app database's URL from. */
export const LEGACY_URL_ENV = "BENCH_LEGACY_DB_URL";
const CONNECTION = "bench-own-store";
/** Devise's default cost, and what Rails apps keep. */
const BCRYPT_COST = 12;
const EMAILS = 2_000;
const SUBMITS = 400;
/** Submits in flight at once in this section. */
const SUBMIT_LANES = 2;

/** A Rails/Devise-shaped app database for the bench: created before Passdesk starts. */
export async function createLegacyDatabase(adminUrl: string): Promise<BenchDatabase> {
  const legacy = await createBenchDatabase(adminUrl, "legacy", { migrate: false });
  await legacy.sql`
    create table users (
      id bigserial primary key, email varchar not null default '',
      encrypted_password varchar not null default '', name varchar,
      confirmed_at timestamp, created_at timestamp default now())`;
  await legacy.sql`create unique index users_email on users (lower(email))`;
  return legacy;
}

export interface OwnStoreOptions {
  passdesk: ChildServer;
  database: BenchDatabase;
  legacy: BenchDatabase;
  fakeSendGrid: FakeSendGrid;
  passwordHash: string;
  durationSeconds: number;
  log(line: string): void;
}

/**
 * Section 8: a connection whose users live in the app's own table (PostgreSQL, bcrypt cost 12).
 * The drain and the reset-page submit, each beside Passdesk's own tables in the same run: the
 * drain reads every user from the app's table as it sends; a submit verifies the app's current
 * bcrypt hash (history), hashes for the history (Argon2) and writes a bcrypt hash.
 */
export async function benchOwnStore(options: OwnStoreOptions): Promise<SectionResult> {
  const { database, legacy, log } = options;
  await database.sql`
    insert into connections (name, strategy, password_history_size, store)
    values (${CONNECTION}, 'database', 5, ${database.sql.json({
      kind: "sql",
      urlEnv: LEGACY_URL_ENV,
      table: "users",
      columns: {
        id: "id",
        email: "email",
        passwordHash: "encrypted_password",
        name: "name",
        emailVerified: "confirmed_at",
      },
      hashFormat: { algorithm: "bcrypt", cost: BCRYPT_COST, prefix: "2a" },
    })})`;
  const appHash = (await bcrypt.hash("Bench-old-password-1", BCRYPT_COST)).replace(/^\$2b/, "$2a");
  /** App users, and Passdesk's link rows to them (as a first look-up would leave them). */
  async function linkedUsers(addresses: string[]): Promise<number[]> {
    const rows = await legacy.sql<{ id: string; email: string }[]>`
      insert into users (email, encrypted_password, name, confirmed_at)
      select e, ${appHash}, 'Bench User', now() from unnest(${addresses}::text[]) as e
      returning id, email`;
    const links = await database.sql<{ id: string }[]>`
      insert into users (connection_id, email, external_id)
      select c.id, r.email, r.id
      from connections c, unnest(${rows.map((r) => r.email)}::text[], ${rows.map((r) => r.id)}::text[]) as r(email, id)
      where c.name = ${CONNECTION}
      returning id`;
    return links.map((row) => Number(row.id));
  }

  // Drain: Passdesk's own users, then the app's, same count, same fake provider (100 ms).
  const own = await benchDrain({ ...options, emails: EMAILS, prefix: "own-drain-" });
  const external = await benchDrain({
    ...options,
    emails: EMAILS,
    prefix: "ext-drain-",
    users: linkedUsers,
  });
  const ownRate = own.details.emailsPerSecond as number;
  const externalRate = external.details.emailsPerSecond as number;
  log(`  drain: own tables ${ownRate.toFixed(0)}/s, app's table ${externalRate.toFixed(0)}/s`);

  // Submits: the raw cost of one (2 bcrypt at cost 12 + 1 Argon2), then Passdesk's submits.
  const sliceSeconds = options.durationSeconds;
  const rawBcrypt = await rawBcryptRate(sliceSeconds / 2, PASSDESK_ARGON2_IN_FLIGHT);
  const rawArgon2 = await rawArgon2Rate(sliceSeconds / 2, PASSDESK_ARGON2_IN_FLIGHT);
  const floorSubmits = 1 / (2 / rawBcrypt + 1 / rawArgon2.hashesPerSecond);
  const builtinTokens = await issueTickets(
    database.sql,
    await seedUsers(
      database.sql,
      DEFAULT_CONNECTION,
      emailsFor("own-submit-", SUBMITS),
      options.passwordHash,
    ),
  );
  const externalTokens = await issueTickets(
    database.sql,
    await linkedUsers(emailsFor("ext-submit-", SUBMITS)),
  );
  // Few at a time: a bcrypt-12 submit holds the hashing bound for about a second, and more
  // would wait past its queue limit (503 "busy"), which section 4 measures, not this one.
  const ownRun = await submitForms(options.passdesk, builtinTokens, sliceSeconds, SUBMIT_LANES);
  const externalRun = await submitForms(
    options.passdesk,
    externalTokens,
    sliceSeconds,
    SUBMIT_LANES,
  );
  log(
    `  submits: own tables ${ownRun.submitsPerSecond.toFixed(1)}/s, app's table ${externalRun.submitsPerSecond.toFixed(1)}/s (${externalRun.failures} failed); raw bcrypt-${BCRYPT_COST} ${rawBcrypt.toFixed(1)}/s, floor ${floorSubmits.toFixed(1)} submits/s`,
  );

  const section = "8 own user store (SQL)";
  return {
    figures: [
      figure({
        section,
        measure: "drain emails/s, users in the app's PostgreSQL table",
        unit: "emails/s",
        value: externalRate,
        floor: ownRate,
        floorLabel: "the same drain, users in Passdesk's tables",
        target: "≥ 0.8×",
        met: externalRate >= 0.8 * ownRate,
      }),
      figure({
        section,
        measure: `reset submits/s, app's table (bcrypt cost ${BCRYPT_COST})`,
        unit: "/s",
        value: externalRun.submitsPerSecond,
        floor: floorSubmits,
        floorLabel: `raw 2 bcrypt-${BCRYPT_COST} + 1 argon2id per submit, ${PASSDESK_ARGON2_IN_FLIGHT} at a time`,
        target: "≥ 0.9×",
        met: externalRun.submitsPerSecond >= 0.9 * floorSubmits && externalRun.failures === 0,
      }),
      figure({
        section,
        measure: "reset submits/s, Passdesk's tables (same run)",
        unit: "/s",
        value: ownRun.submitsPerSecond,
        floor: rawArgon2.hashesPerSecond / 2,
        floorLabel: `raw 2 argon2id per submit, ${PASSDESK_ARGON2_IN_FLIGHT} at a time`,
      }),
    ],
    details: {
      bcryptCost: BCRYPT_COST,
      drain: { own: own.details, external: external.details },
      submits: { own: ownRun, external: externalRun },
      rawBcryptHashesPerSecond: rawBcrypt,
      rawArgon2: rawArgon2,
      floorSubmitsPerSecond: floorSubmits,
    },
    notes: [
      ...(externalRun.ranOutOfTickets
        ? ["8: all app-store tickets used before the time was up"]
        : []),
    ],
  };
}

/** Native bcrypt hashes at `cost`, `concurrency` at a time (verify costs the same). */
async function rawBcryptRate(durationSeconds: number, concurrency: number): Promise<number> {
  let hashes = 0;
  const started = performance.now();
  const deadline = started + durationSeconds * 1000;
  const lane = async () => {
    while (performance.now() < deadline) {
      await bcrypt.hash(randomBytes(12).toString("base64url"), BCRYPT_COST);
      hashes += 1;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  return hashes / ((performance.now() - started) / 1000);
}
