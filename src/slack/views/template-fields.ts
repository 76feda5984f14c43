// The template field labels live in src/slack/templates/fields.ts; audit-message.ts, which is
// being moved on another branch, still imports them from here.
export * from "../templates/fields.ts";
