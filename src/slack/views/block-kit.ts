// The Block Kit helpers live in src/slack/block-kit.ts; audit-message.ts, which is being moved
// on another branch, still imports them from here.
export * from "../block-kit.ts";
