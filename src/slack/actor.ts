/** Who acts in Slack: a user of a workspace (team). */
export interface SlackActor {
  teamId: string;
  userId: string;
}

/** The actor of a slash command. */
export function actorOfCommand(command: { team_id: string; user_id: string }): SlackActor {
  return { teamId: command.team_id, userId: command.user_id };
}

interface InteractionBody {
  user: { id: string; team_id?: string };
  team?: { id: string } | null;
}

/** The actor of a block action, shortcut or view submission. */
export function actorOfInteraction(body: InteractionBody): SlackActor {
  return { teamId: body.team?.id ?? body.user.team_id ?? "", userId: body.user.id };
}
