import { expect } from "vitest";
import { SLACK_LIMITS } from "../../src/slack/block-kit.ts";

export type Json = Record<string, unknown>;

/** Every block of a view or message as plain JSON, for structural assertions. */
export function blocksOf(view: { blocks: unknown[] }): Json[] {
  return view.blocks as Json[];
}

export function blockById(view: { blocks: unknown[] }, blockId: string): Json {
  const block = blocksOf(view).find((candidate) => candidate.block_id === blockId);
  if (!block) throw new Error(`no block ${blockId}`);
  return block;
}

/** Every `text` string anywhere in a value: block texts, fields, labels, options… */
export function textsOf(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(textsOf);
  if (typeof value !== "object" || value === null) return [];
  return Object.entries(value).flatMap(([key, inner]) =>
    key === "text" && typeof inner === "string" ? [inner] : textsOf(inner),
  );
}

export function expectWithinSlackLimits(view: {
  blocks: unknown[];
  title?: { text: string };
}): void {
  expect(view.blocks.length).toBeLessThanOrEqual(SLACK_LIMITS.viewBlocks);
  if (view.title) expect(view.title.text.length).toBeLessThanOrEqual(SLACK_LIMITS.viewTitleChars);
  for (const text of textsOf(view.blocks)) {
    expect(text.length).toBeLessThanOrEqual(SLACK_LIMITS.blockTextChars);
  }
  for (const [key, value] of Object.entries(view)) {
    if (["title", "submit", "close"].includes(key)) {
      expect((value as { text: string }).text.length).toBeLessThanOrEqual(24);
    }
  }
}
