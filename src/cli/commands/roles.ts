import type { Command } from "commander";
import { ANY_TEAM, ROLES, type Role } from "../../roles/ports.ts";
import { CliError, type CliRuntime } from "../context.ts";

function parseGrant(userId: string, role: string, team: string | undefined) {
  if (!/^[UW][A-Z0-9]{2,}$/.test(userId)) {
    throw new CliError(`SLACK_USER_ID must look like U0123ABCD, got "${userId}"`);
  }
  if (!ROLES.includes(role as Role))
    throw new CliError(`role must be one of ${ROLES.join(", ")}, got "${role}"`);
  if (team !== undefined && !/^[TE][A-Z0-9]{2,}$/.test(team)) {
    throw new CliError(`--team must be a Slack team ID like T0123ABCD, got "${team}"`);
  }
  return { slackUserId: userId, role: role as Role, teamId: team ?? ANY_TEAM };
}

function describeTeam(teamId: string): string {
  return teamId === ANY_TEAM ? "every workspace" : `team ${teamId}`;
}

export function registerRoleCommands(program: Command, { withContext }: CliRuntime): void {
  const roles = program
    .command("roles")
    .description("grant, revoke and list Slack roles (admin, support)");

  roles
    .command("grant")
    .description("grant a Slack user a role")
    .argument("<slack-user-id>", "Slack user ID, e.g. U0123ABCD")
    .argument("<role>", ROLES.join(" | "))
    .option("--team <team-id>", "limit the grant to one workspace (default: every workspace)")
    .action((userId: string, role: string, options: { team?: string }) =>
      withContext(async ({ repo, print, audit }) => {
        const grant = parseGrant(userId, role, options.team);
        const created = await repo.roles.grant({ ...grant, grantedBy: "cli" });
        await audit({
          action: "role.granted",
          outcome: created ? "success" : "unchanged",
          details: { ...grant },
        });
        print(
          `${created ? "granted" : "already granted:"} ${grant.role} to ${grant.slackUserId} in ${describeTeam(grant.teamId)}`,
        );
      }),
    );

  roles
    .command("revoke")
    .description("revoke a role from a Slack user")
    .argument("<slack-user-id>", "Slack user ID")
    .argument("<role>", ROLES.join(" | "))
    .option("--team <team-id>", "the workspace the grant was made for (default: every workspace)")
    .action((userId: string, role: string, options: { team?: string }) =>
      withContext(async ({ repo, print, audit }) => {
        const grant = parseGrant(userId, role, options.team);
        if (!(await repo.roles.revoke(grant))) {
          throw new CliError(
            `${grant.slackUserId} has no ${grant.role} grant in ${describeTeam(grant.teamId)}`,
          );
        }
        await audit({
          action: "role.revoked",
          outcome: "success",
          details: { ...grant },
        });
        print(`revoked ${grant.role} from ${grant.slackUserId} in ${describeTeam(grant.teamId)}`);
      }),
    );

  roles
    .command("list")
    .description("list role grants held in the database")
    .action(() =>
      withContext(async ({ repo, print }) => {
        const grants = await repo.roles.list();
        if (grants.length === 0)
          print("no role grants (SLACK_ADMIN_USERS still names bootstrap admins)");
        for (const grant of grants)
          print(`${grant.slackUserId}\t${grant.role}\t${describeTeam(grant.teamId)}`);
      }),
    );
}
