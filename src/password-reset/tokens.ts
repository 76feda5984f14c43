// The tokens and ids moved to src/secret-tokens.ts, which sign-in's unblock links share.
export * from "../secret-tokens.ts";
