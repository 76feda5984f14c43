import type { AllMiddlewareArgs, SlackViewMiddlewareArgs } from "@slack/bolt";
import { saveTemplate, type TemplateEditPorts } from "../../email/template-edit.ts";
import type { Transaction } from "../../unit-of-work.ts";
import { actorOfInteraction } from "../actor.ts";
import { type AppHomeDependencies, publishAppHome } from "../app-home/publish.ts";
import { CALLBACK_IDS, TEMPLATE_EDIT_BLOCKS } from "../contract.ts";
import { type RoleGuardDependencies, requireRole } from "../require-role.ts";
import {
  decodeTemplateEditMetadata,
  readTemplateEditSubmission,
  templateEditErrors,
} from "./edit-submission.ts";
import { TEMPLATE_TEXTS } from "./fields.ts";
import { buildTemplateNoticeModal, buildTemplateSavedModal } from "./notice-modal.ts";

type SubmitArgs = Pick<
  SlackViewMiddlewareArgs & AllMiddlewareArgs,
  "ack" | "body" | "view" | "client"
>;

export type SaveEditDependencies = RoleGuardDependencies &
  AppHomeDependencies & {
    transaction: Transaction<TemplateEditPorts>;
  };

/** The edit modal's submission: saved as a new version, unless someone saved one meanwhile. */
export function createSaveEdit(deps: SaveEditDependencies) {
  return async function saveTemplateEdit({ ack, body, view, client }: SubmitArgs) {
    const actor = actorOfInteraction(body);
    const refuse = (message: string, blockId: string = TEMPLATE_EDIT_BLOCKS.from) =>
      ack({ response_action: "errors", errors: { [blockId]: message } });
    if (!(await requireRole(deps, actor, "admin", CALLBACK_IDS.templateEditModal))) {
      return void (await refuse("Only Passdesk admins can edit the password email."));
    }
    const metadata = decodeTemplateEditMetadata(view.private_metadata);
    if (!metadata)
      return void (await refuse("This form is out of date: close it and open it again."));
    const name = metadata.template;
    const outcome = await deps.transaction((stores) =>
      saveTemplate(stores, {
        name,
        changes: readTemplateEditSubmission(view.state.values, metadata),
        baseVersion: metadata.version,
        editedBy: actor.userId,
        actor: { actorType: "slack", actorId: actor.userId },
      }),
    );
    if (!outcome.ok) {
      switch (outcome.reason) {
        case "invalid":
          return void (await ack({
            response_action: "errors",
            errors: templateEditErrors(outcome.problems, metadata.bodyShown),
          }));
        case "version_conflict":
          // Never a silent overwrite: the other admin's version must be seen before it is replaced.
          return void (await refuse(
            `Someone saved the email (version ${outcome.current.version}) after you opened this form. Close it and open it again to edit the newest version; your changes here are not saved.`,
          ));
        case "unchanged":
          return void (await ack({
            response_action: "update",
            view: buildTemplateNoticeModal(
              TEMPLATE_TEXTS[name].title,
              "Nothing changed: nothing was saved.",
            ),
          }));
      }
    }
    await ack({
      response_action: "update",
      view: buildTemplateSavedModal(name, {
        version: outcome.template.version,
        changedFields: outcome.changedFields,
      }),
    });
    await publishAppHome(deps, client, actor);
  };
}
