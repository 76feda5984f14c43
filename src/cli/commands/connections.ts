import type { Command } from "commander";
import {
  PASSWORD_LEVELS,
  type PasswordLevel,
  type PasswordPolicy,
} from "../../passwords/policy.ts";
import {
  type Connection,
  isDatabaseConnection,
  SIGNUP_MODES,
  type SignupMode,
} from "../../users/connection.ts";
import { CliError, type CliRuntime, parseIntegerOption } from "../context.ts";
import { registerBruteForceCommand } from "./connections-brute-force.ts";
import {
  checkStore,
  describeStore,
  readStoreOptions,
  registerStoreTestCommand,
  type StoreOptions,
  withStoreOptions,
} from "./connections-store.ts";

interface PolicyOptions {
  minLength?: number;
  level?: string;
  history?: number;
  dictionary?: boolean;
  personalInfo?: boolean;
}

interface AddOptions extends PolicyOptions, StoreOptions {
  strategy: string;
}

interface SetOptions extends PolicyOptions, StoreOptions {
  signup?: string;
  setPasswordApproval?: string;
}

const APPROVAL_SETTINGS = ["off", "required", "default"] as const;

/** `default` clears the connection's own setting: SET_PASSWORD_APPROVAL applies again. */
function readApproval(value: string | undefined): "off" | "required" | null | undefined {
  if (value === undefined) return undefined;
  if (!APPROVAL_SETTINGS.includes(value as (typeof APPROVAL_SETTINGS)[number])) {
    throw new CliError(
      `--set-password-approval must be one of ${APPROVAL_SETTINGS.join(", ")}, got "${value}"`,
    );
  }
  return value === "default" ? null : (value as "off" | "required");
}

/** The policy options `add` and `set` share; `set` also takes the positive flags. */
function withPolicyOptions(command: Command, both: boolean): Command {
  command
    .option(
      "--min-length <n>",
      "minimum password length (1-128)",
      parseIntegerOption("--min-length", 1, 128),
    )
    .option("--level <level>", `password strength level: ${PASSWORD_LEVELS.join(", ")}`)
    .option(
      "--history <n>",
      "previous passwords that may not be reused (0-24)",
      parseIntegerOption("--history", 0, 24),
    );
  if (both) command.option("--dictionary", "refuse the 10,000 most common passwords");
  command.option("--no-dictionary", "allow common passwords");
  if (both)
    command.option("--personal-info", "refuse passwords containing the user's name or email");
  command.option("--no-personal-info", "allow passwords containing the user's name or email");
  return command;
}

/** Only the fields given on the command line. */
function readPolicy(options: PolicyOptions): Partial<PasswordPolicy> {
  if (options.level !== undefined && !PASSWORD_LEVELS.includes(options.level as PasswordLevel)) {
    throw new CliError(
      `--level must be one of ${PASSWORD_LEVELS.join(", ")}, got "${options.level}"`,
    );
  }
  return {
    ...(options.level !== undefined && { level: options.level as PasswordLevel }),
    ...(options.minLength !== undefined && { minLength: options.minLength }),
    ...(options.history !== undefined && { historySize: options.history }),
    ...(options.dictionary !== undefined && { dictionary: options.dictionary }),
    ...(options.personalInfo !== undefined && { noPersonalInfo: options.personalInfo }),
  };
}

function readSignup(value: string | undefined): SignupMode | undefined {
  if (value === undefined) return undefined;
  if (!SIGNUP_MODES.includes(value as SignupMode)) {
    throw new CliError(`--signup must be one of ${SIGNUP_MODES.join(", ")}, got "${value}"`);
  }
  return value as SignupMode;
}

/** A database connection's settings, as `list` and `set` print them. */
function describeSettings({ policy, signup, setPasswordApproval }: Connection): string {
  // Shown only when the connection has its own: otherwise SET_PASSWORD_APPROVAL applies.
  const approval = setPasswordApproval ? ` set-password-approval=${setPasswordApproval}` : "";
  return `level=${policy.level} min-length=${policy.minLength} history=${policy.historySize} dictionary=${onOff(policy.dictionary)} personal-info=${onOff(policy.noPersonalInfo)} signup=${signup}${approval}`;
}

export function registerConnectionCommands(program: Command, runtime: CliRuntime): void {
  const { withContext } = runtime;
  const connections = program
    .command("connections")
    .description("list, add and change connections (password policy, brute-force protection)");
  registerBruteForceCommand(connections, runtime);
  registerStoreTestCommand(connections, runtime);

  connections
    .command("list")
    .description("list connections with their strategy, password policy and signup")
    .action(() =>
      withContext(async ({ repo, print }) => {
        for (const connection of await repo.connections.list()) {
          const rules = isDatabaseConnection(connection) ? ` ${describeSettings(connection)}` : "";
          const store = describeStore(connection.store);
          print(`${connection.name}\tstrategy=${connection.strategy}${rules}${store}`);
        }
      }),
    );

  withPolicyOptions(
    withStoreOptions(
      connections
        .command("add")
        .description(
          "add a connection (strategy 'database' holds passwords, in Passdesk or --store)",
        )
        .argument("<name>", "unique connection name")
        .requiredOption("--strategy <strategy>", "database, or e.g. google-oauth2, samlp, waad"),
    ),
    false,
  ).action((name: string, options: AddOptions) =>
    withContext(async ({ repo, print, audit, externalStores }) => {
      if (!/^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/.test(name)) {
        throw new CliError(
          "connection names use letters, digits, '-' and '_' (up to 128 characters)",
        );
      }
      if (!/^[a-z0-9][a-z0-9-]{0,63}$/.test(options.strategy)) {
        throw new CliError(
          `strategy must be lower-case letters, digits and '-', got "${options.strategy}"`,
        );
      }
      const policy = readPolicy(options);
      const store = readStoreOptions(options);
      if (store && options.strategy !== "database") {
        throw new CliError("--store is for database connections (--strategy database)");
      }
      if (store && options.check !== false)
        await checkStore(externalStores, { id: -1, name, store });
      const added = await repo.connections.add({
        name,
        strategy: options.strategy,
        policy,
        ...(store && { store }),
      });
      if (!added) throw new CliError(`a connection named "${name}" already exists`);
      await audit({
        action: "connection.created",
        outcome: "success",
        connection: added.name,
        details: {
          strategy: added.strategy,
          ...(isDatabaseConnection(added) && { policy: added.policy }),
          ...(store && { store }),
        },
      });
      print(`added connection ${added.name} (strategy ${added.strategy})${describeStore(store)}`);
    }),
  );

  withPolicyOptions(
    withStoreOptions(
      connections
        .command("set")
        .description(
          "change a database connection's password policy, signup or store (only the options given)",
        )
        .argument("<name>", "the connection")
        .option(
          "--signup <mode>",
          "open: anyone may create an account with POST /dbconnections/signup; closed (the default)",
        )
        .option(
          "--set-password-approval <setting>",
          "required: /set-password needs a second admin's approval here; off; default: SET_PASSWORD_APPROVAL",
        ),
    ),
    true,
  ).action((name: string, options: SetOptions) =>
    withContext(async ({ repo, print, audit, externalStores }) => {
      const changes = readPolicy(options);
      const signup = readSignup(options.signup);
      const store = readStoreOptions(options);
      const approval = readApproval(options.setPasswordApproval);
      if (
        Object.keys(changes).length === 0 &&
        signup === undefined &&
        !store &&
        approval === undefined
      ) {
        throw new CliError(
          "nothing to change: give at least one policy option, --signup, --store or --set-password-approval (see --help)",
        );
      }
      const before = await repo.connections.findByName(name);
      if (!before) throw new CliError(`no such connection: ${name}`);
      if (!isDatabaseConnection(before)) {
        throw new CliError(
          `${name} is a ${before.strategy} connection: its users sign in elsewhere, so it has no password policy or signup`,
        );
      }
      if (signup === "open" && (store ?? before.store)) {
        throw new CliError(
          `${name} keeps its users in the organisation's own store: accounts are created there, not by signup`,
        );
      }
      let after = before;
      if (store) {
        if (options.check !== false) await checkStore(externalStores, { ...before, store });
        after = (await repo.connections.setStore(name, store)) ?? noSuchConnection(name);
        await audit({
          action: "connection.store_changed",
          outcome: "success",
          connection: name,
          details: { store },
        });
      }
      if (Object.keys(changes).length > 0) {
        after = (await repo.connections.updatePolicy(name, changes)) ?? noSuchConnection(name);
        const changed = (Object.keys(changes) as Array<keyof PasswordPolicy>).filter(
          (field) => before.policy[field] !== after.policy[field],
        );
        await audit({
          action: "connection.policy_changed",
          outcome: changed.length > 0 ? "success" : "unchanged",
          connection: name,
          details: Object.fromEntries(
            changed.map((field) => [
              field,
              { from: before.policy[field], to: after.policy[field] },
            ]),
          ),
        });
      }
      if (signup !== undefined) {
        after = (await repo.connections.setSignup(name, signup)) ?? noSuchConnection(name);
        await audit({
          action: "connection.signup_changed",
          outcome: before.signup !== after.signup ? "success" : "unchanged",
          connection: name,
          details: { signup: { from: before.signup, to: after.signup } },
        });
      }
      if (approval !== undefined) {
        after =
          (await repo.connections.setSetPasswordApproval(name, approval)) ?? noSuchConnection(name);
        const from = before.setPasswordApproval ?? "default";
        const to = after.setPasswordApproval ?? "default";
        await audit({
          action: "connection.set_password_approval_changed",
          outcome: from !== to ? "success" : "unchanged",
          connection: name,
          details: { setPasswordApproval: { from, to } },
        });
      }
      const unchanged =
        describeSettings(before) === describeSettings(after) &&
        describeStore(before.store) === describeStore(after.store);
      print(
        `${unchanged ? "unchanged:" : "changed"} ${name}: ${describeSettings(after)}${describeStore(after.store)}`,
      );
    }),
  );
}

function noSuchConnection(name: string): never {
  throw new CliError(`no such connection: ${name}`);
}

function onOff(value: boolean): string {
  return value ? "on" : "off";
}
