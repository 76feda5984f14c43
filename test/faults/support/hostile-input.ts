import fc from "fast-check";
import { SLACK, STAFF } from "../../support/slack-passdesk.ts";
import { interactivityBody, slashCommandBody } from "../../support/slack-requests.ts";

/**
 * Look-alikes and case-folding traps (Django CVE-2019-19844): characters that compare equal to
 * ASCII under some folding (ı/İ → I, K → k, ß → SS, ſ → S, fullwidth), or only look equal
 * (Cyrillic), plus invisible and line-breaking characters.
 */
const LOOKALIKES: Record<string, string[]> = {
  i: ["ı", "İ", "і", "ｉ", "i\u0307"],
  k: ["\u212A", "κ", "ｋ"],
  s: ["ß", "ſ", "ѕ", "ｓ"],
  e: ["е", "é", "e\u0301", "ｅ"],
  a: ["а", "á", "ａ"],
  o: ["о", "ο", "０"],
  m: ["ｍ", "м"],
};
const INVISIBLE = ["\u200B", "\u200D", "\uFEFF", "\u00AD", "\u2060"];
const BREAKS = ["\r", "\n", "\r\n", "\t", "\u2028", "%0d%0a", "\u0000"];

type Edit = {
  at: number;
  kind: "upper" | "lookalike" | "invisible" | "break" | "fullwidth" | "nfd";
};

function applyEdit(address: string, { at, kind }: Edit): string {
  const chars = Array.from(address);
  const index = at % chars.length;
  const char = chars[index] ?? "";
  const replaced = (() => {
    switch (kind) {
      case "upper":
        return char.toUpperCase();
      case "lookalike": {
        const options = LOOKALIKES[char.toLowerCase()];
        return options ? (options[at % options.length] ?? char) : char;
      }
      case "invisible":
        return `${char}${INVISIBLE[at % INVISIBLE.length]}`;
      case "break":
        return `${char}${BREAKS[at % BREAKS.length]}`;
      case "fullwidth": {
        const code = char.codePointAt(0) ?? 0;
        return code > 0x20 && code < 0x7f ? String.fromCodePoint(code + 0xfee0) : char;
      }
      case "nfd":
        return char.normalize("NFD");
    }
  })();
  chars[index] = replaced;
  return chars.join("");
}

/** A stored address bent by up to four edits: what an attacker types to reach someone else. */
export function bentAddress(stored: readonly string[]): fc.Arbitrary<string> {
  const edit = fc.record({
    at: fc.nat({ max: 1000 }),
    kind: fc.constantFrom(
      "upper" as const,
      "lookalike" as const,
      "invisible" as const,
      "break" as const,
      "fullwidth" as const,
      "nfd" as const,
    ),
  });
  return fc
    .tuple(fc.constantFrom(...stored), fc.array(edit, { minLength: 1, maxLength: 4 }))
    .map(([address, edits]) => edits.reduce(applyEdit, address));
}

/** Anything a JSON `email` field could hold: strings of every kind, arrays, objects, numbers. */
export function anyEmailValue(stored: readonly string[]): fc.Arbitrary<unknown> {
  const text = fc.oneof(
    bentAddress(stored),
    fc.constantFrom(...stored),
    fc.string({ unit: "binary", maxLength: 80 }),
    fc.emailAddress(),
  );
  return fc.oneof(
    text,
    fc.array(text, { minLength: 1, maxLength: 3 }),
    fc.record({ email: text }),
    fc.dictionary(fc.string({ maxLength: 5 }), text, { maxKeys: 2 }),
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
  );
}

/** The field names the endpoints know, plus noise, for form bodies. */
export const fieldName = fc.oneof(
  fc.constantFrom("email", "connection", "client_id", "organization", "password", "ticket", "csrf"),
  fc.string({ unit: "binary", maxLength: 12 }),
);

/** `application/x-www-form-urlencoded` bodies, repeated fields included. */
export function formBody(value: fc.Arbitrary<string>): fc.Arbitrary<string> {
  return fc
    .array(fc.tuple(fieldName, value), { maxLength: 8 })
    .map((pairs) => new URLSearchParams(pairs).toString());
}

export const contentTypes = fc.constantFrom(
  "application/json",
  "application/json; charset=utf-8",
  "application/x-www-form-urlencoded",
  "application/x-www-form-urlencoded; charset=latin1",
  "multipart/form-data; boundary=x",
  "text/plain",
  "",
);

/** Raw bytes, mostly not valid UTF-8. */
export const rawBytes = fc.uint8Array({ maxLength: 2_000 });

/** Where a Slack body could make Passdesk call out: generated bodies never name a URL. */
const NAMES_A_URL = /response_url|https?:/i;

/**
 * Bodies for /slack/events: slash commands from staff and strangers with hostile text,
 * interactivity payloads of every type with random fields, JSON and raw garbage. The only URL
 * any of them carries is `responseUrl` (the fake Slack's), so Passdesk calls nothing else.
 */
export function slackEventBody(stored: readonly string[], responseUrl: string) {
  const users = fc.oneof(
    fc.constantFrom(STAFF.admin, STAFF.support, STAFF.nobody),
    fc.string({ maxLength: 12 }),
  );
  const command = fc
    .record({
      command: fc.oneof(
        fc.constantFrom("/reset-password", "/set-password", "/passdesk"),
        fc.string({ maxLength: 20 }),
      ),
      text: fc.oneof(bentAddress(stored), fc.string({ unit: "binary", maxLength: 120 })),
      userId: users,
    })
    .map((fields) => slashCommandBody({ ...fields, teamId: SLACK.teamId, responseUrl }));
  const payload = fc
    .record({
      type: fc.oneof(
        fc.constantFrom("block_actions", "view_submission", "view_closed", "shortcut"),
        fc.string({ maxLength: 12 }),
      ),
      user: fc.record({ id: users }),
      team: fc.constant({ id: SLACK.teamId }),
      rest: fc.dictionary(fc.string({ maxLength: 10 }), fc.jsonValue({ maxDepth: 3 })),
    })
    .map(({ rest, ...known }) => interactivityBody({ ...rest, ...known }));
  return fc
    .oneof(
      command,
      payload,
      fc.jsonValue().map((value) => JSON.stringify(value)),
      fc.string({ unit: "binary", maxLength: 500 }),
    )
    .filter((text) => !NAMES_A_URL.test(text.replaceAll(responseUrl, "")));
}
