import type { Command } from "commander";
import { PASSWORD_LEVELS, type PasswordLevel } from "../../passwords/policy.ts";
import { CliError, parseIntegerOption, withContext } from "../context.ts";

interface AddOptions {
  strategy: string;
  minLength?: number;
  level?: string;
  history?: number;
  dictionary?: boolean;
  personalInfo?: boolean;
}

export function registerConnectionCommands(program: Command): void {
  const connections = program.command("connections").description("list and add connections");

  connections
    .command("list")
    .description("list connections with their strategy and password policy")
    .action(() =>
      withContext(async ({ repo, print }) => {
        for (const { name, strategy, policy } of await repo.connections.list()) {
          const rules =
            strategy === "database"
              ? ` level=${policy.level} min-length=${policy.minLength} history=${policy.historySize} dictionary=${onOff(policy.dictionary)} personal-info=${onOff(policy.noPersonalInfo)}`
              : "";
          print(`${name}\tstrategy=${strategy}${rules}`);
        }
      }),
    );

  connections
    .command("add")
    .description("add a connection (strategy 'database' holds Passdesk passwords)")
    .argument("<name>", "unique connection name")
    .requiredOption("--strategy <strategy>", "database, or e.g. google-oauth2, samlp, waad")
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
    )
    .option("--no-dictionary", "allow common passwords")
    .option("--no-personal-info", "allow passwords containing the user's name or email")
    .action((name: string, options: AddOptions) =>
      withContext(async ({ repo, print }) => {
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
        if (
          options.level !== undefined &&
          !PASSWORD_LEVELS.includes(options.level as PasswordLevel)
        ) {
          throw new CliError(
            `--level must be one of ${PASSWORD_LEVELS.join(", ")}, got "${options.level}"`,
          );
        }
        const added = await repo.connections.add({
          name,
          strategy: options.strategy,
          policy: {
            ...(options.level !== undefined && { level: options.level as PasswordLevel }),
            ...(options.minLength !== undefined && { minLength: options.minLength }),
            ...(options.history !== undefined && { historySize: options.history }),
            ...(options.dictionary === false && { dictionary: false }),
            ...(options.personalInfo === false && { noPersonalInfo: false }),
          },
        });
        if (!added) throw new CliError(`a connection named "${name}" already exists`);
        print(`added connection ${added.name} (strategy ${added.strategy})`);
      }),
    );
}

function onOff(value: boolean): string {
  return value ? "on" : "off";
}
