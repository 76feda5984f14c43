import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { attachSocketMode, type FakeSocketMode } from "./fake-slack-socket.ts";

export interface FakeSlackOptions {
  teamId?: string;
  users?: FakeSlackUser[];
}

export interface FakeSlackUser {
  id: string;
  teamId: string;
  email?: string;
  realName: string;
  /** The handle; defaults to the email's local part. */
  name?: string;
  deleted?: boolean;
  isBot?: boolean;
  /** Slack's `is_email_confirmed`; true unless told otherwise. */
  emailConfirmed?: boolean;
}

export interface RecordedCall {
  method: string;
  /** From `Authorization: Bearer …`, or a `token` argument. */
  token: string | undefined;
  /** As Slack reads them: form values stay strings; JSON-valued fields (blocks, view…) decoded. */
  args: Record<string, unknown>;
  at: Date;
  status: number;
  /** The JSON the fake answered; undefined when it answered an HTTP failure. */
  response: Record<string, unknown> | undefined;
}

export interface RecordedResponse {
  id: string;
  body: unknown;
  at: Date;
}

export interface SlackFailure {
  /** Answer HTTP 200 `{ ok: false, error }` (the default, with "internal_error"). */
  error?: string;
  /** Answer this HTTP status instead, e.g. 500 or 503. */
  status?: number;
  /** Answer HTTP 429 with this Retry-After. */
  retryAfterSeconds?: number;
}

export interface FakeSlack {
  /** The Web API base, ending in /api/: what SLACK_API_URL and WebClient's slackApiUrl are set to. */
  url: string;
  addUser(user: FakeSlackUser): void;
  setUsergroup(id: string, userIds: string[]): void;
  /** Fail the next `times` calls of `method` ("*": any method). */
  failNext(method: string, failure?: SlackFailure, times?: number): void;
  /** Fail every call of `method` ("*": any method) until recover(). */
  failAll(method: string, failure?: SlackFailure): void;
  recover(): void;
  calls(method?: string): RecordedCall[];
  waitForCall(
    method: string,
    predicate?: (call: RecordedCall) => boolean,
    timeoutMillis?: number,
  ): Promise<RecordedCall>;
  /** A response_url for a slash command or block action; POSTs to it are recorded. */
  responseUrl(id: string): string;
  responses(id?: string): RecordedResponse[];
  waitForResponse(id: string, timeoutMillis?: number): Promise<RecordedResponse>;
  /** Socket Mode: apps.connections.open hands out this fake's WebSocket URL. */
  socketMode: FakeSocketMode;
  /** Forget recorded calls and responses; users, groups, views and failures stay. */
  reset(): void;
  close(): Promise<void>;
}

type Args = Record<string, unknown>;
type Answer = { ok: true; [key: string]: unknown } | { ok: false; error: string };
type Rule = { method: string; failure: SlackFailure; remaining: number };

/** The app and bot user the fake answers as, and whose IDs Slack's payloads carry. */
export const FAKE_SLACK_BOT = { userId: "UBOT", botId: "BBOT", appId: "A0PASSDESK" } as const;
// Slack decodes these form fields as JSON; the WebClient JSON-encodes any object argument.
const JSON_FIELDS = new Set(["blocks", "attachments", "view", "metadata", "unfurls"]);

/** A real HTTP server on 127.0.0.1 that speaks enough of Slack's Web API for Passdesk. */
export async function startFakeSlack(options: FakeSlackOptions = {}): Promise<FakeSlack> {
  const teamId = options.teamId ?? "T0001";
  const users = new Map<string, FakeSlackUser>();
  const usergroups = new Map<string, string[]>();
  const views = new Map<string, Args>();
  const homeViewIds = new Map<string, string>();
  const dmChannels = new Map<string, string>();
  let calls: RecordedCall[] = [];
  let responses: RecordedResponse[] = [];
  let rules: Rule[] = [];
  let sequence = 0;
  const waiters = new Set<() => void>();
  let wsOrigin = "";
  for (const user of options.users ?? []) users.set(user.id, user);

  const next = () => {
    sequence += 1;
    return sequence;
  };
  const nextTs = () => slackTs(next());
  const nextId = (prefix: string) => `${prefix}${String(next()).padStart(8, "0")}`;

  /** Stores a new revision of a view; a stale `hash` fails as Slack's race protection does. */
  function saveView(id: string, args: Args, rootViewId: string): Answer {
    const current = views.get(id);
    if (current && args.hash !== undefined && args.hash !== current.hash) {
      return { ok: false, error: "hash_conflict" };
    }
    const view = asObject(args.view);
    const saved = {
      ...view,
      id,
      team_id: teamId,
      app_id: FAKE_SLACK_BOT.appId,
      bot_id: FAKE_SLACK_BOT.botId,
      callback_id: view.callback_id ?? "",
      private_metadata: view.private_metadata ?? "",
      state: { values: {} },
      hash: nextTs(),
      root_view_id: rootViewId,
      previous_view_id: null,
    };
    views.set(id, saved);
    return { ok: true, view: saved };
  }

  function openView(args: Args): Answer {
    // Only a fresh trigger_id lets an app open a modal (real Slack expires it after 3 s).
    if (!args.trigger_id) return { ok: false, error: "invalid_arguments" };
    const id = nextId("V");
    return saveView(id, args, id);
  }

  const methods: Record<string, (args: Args) => Answer> = {
    "auth.test": () => ({
      ok: true,
      url: "https://passdesk-test.slack.com/",
      team: "Passdesk Test",
      user: "passdesk",
      team_id: teamId,
      user_id: FAKE_SLACK_BOT.userId,
      bot_id: FAKE_SLACK_BOT.botId,
      is_enterprise_install: false,
    }),
    "chat.postMessage": (args) => {
      if (!args.channel) return { ok: false, error: "channel_not_found" };
      if (!args.text && !args.blocks && !args.attachments) return { ok: false, error: "no_text" };
      const ts = nextTs();
      const message = { type: "message", user: FAKE_SLACK_BOT.userId, text: args.text ?? "", ts };
      return { ok: true, channel: args.channel, ts, message };
    },
    "chat.postEphemeral": (args) =>
      args.channel && args.user
        ? { ok: true, message_ts: nextTs() }
        : { ok: false, error: "invalid_arguments" },
    "chat.update": (args) =>
      args.channel && args.ts
        ? { ok: true, channel: args.channel, ts: args.ts, text: args.text ?? "" }
        : { ok: false, error: "message_not_found" },
    "views.open": openView,
    "views.push": openView,
    "views.update": (args) => {
      const current = views.get(String(args.view_id));
      return current
        ? saveView(String(current.id), args, String(current.root_view_id))
        : { ok: false, error: "not_found" };
    },
    "views.publish": (args) => {
      // Any user ID will do: real Slack does not need them to have opened the App Home before.
      if (!args.user_id) return { ok: false, error: "invalid_arguments" };
      const id = homeViewIds.get(String(args.user_id)) ?? nextId("V");
      homeViewIds.set(String(args.user_id), id);
      return saveView(id, args, id);
    },
    "users.info": (args) => {
      const user = users.get(String(args.user));
      return user ? { ok: true, user: viewUser(user) } : { ok: false, error: "user_not_found" };
    },
    // Real Slack matches the address case-insensitively and answers users_not_found otherwise.
    "users.lookupByEmail": (args) => {
      const email = String(args.email ?? "").toLowerCase();
      const user = [...users.values()].find(
        (candidate) => candidate.email?.toLowerCase() === email,
      );
      return user && email
        ? { ok: true, user: viewUser(user) }
        : { ok: false, error: "users_not_found" };
    },
    "usergroups.users.list": (args) => {
      const members = usergroups.get(String(args.usergroup));
      return members ? { ok: true, users: [...members] } : { ok: false, error: "no_such_subteam" };
    },
    // Socket Mode's first call, made with the app-level token (xapp-…).
    "apps.connections.open": () => ({ ok: true, url: `${wsOrigin}/socket-mode?ticket=${next()}` }),
    "conversations.open": (args) => {
      if (!args.users && !args.channel) return { ok: false, error: "users_list_not_supplied" };
      const key = String(args.users ?? args.channel);
      const id = dmChannels.get(key) ?? nextId("D");
      dmChannels.set(key, id);
      return { ok: true, channel: { id } };
    },
  };

  function takeFailure(method: string): SlackFailure | undefined {
    const rule = rules.find((candidate) => [method, "*"].includes(candidate.method));
    if (!rule) return undefined;
    rule.remaining -= 1;
    if (rule.remaining <= 0) rules = rules.filter((candidate) => candidate !== rule);
    return rule.failure;
  }

  function notify(): void {
    for (const wake of waiters) wake();
  }

  function waitFor<T>(find: () => T | undefined, timeoutMillis: number, what: () => string) {
    return new Promise<T>((resolve, reject) => {
      const check = () => {
        const found = find();
        if (found === undefined) return;
        cleanUp();
        resolve(found);
      };
      const timer = setTimeout(() => {
        cleanUp();
        reject(new Error(`fake Slack: no ${what()} after ${timeoutMillis} ms`));
      }, timeoutMillis);
      const cleanUp = () => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      waiters.add(check);
      check();
    });
  }

  function answer(method: string, args: Args, token: string | undefined): Answer {
    if (token === undefined) return { ok: false, error: "not_authed" };
    return methods[method]?.(args) ?? { ok: false, error: "unknown_method" };
  }

  const server = createServer(async (request, response) => {
    const url = new URL(request.url ?? "/", "http://fake-slack");
    const text = await readBody(request);
    const responseId = /^\/response\/([^/]+)$/.exec(url.pathname)?.[1];
    if (request.method === "POST" && responseId !== undefined) {
      responses.push({
        id: decodeURIComponent(responseId),
        body: parseJson(text) ?? text,
        at: new Date(),
      });
      notify();
      return respond(response, 200, { ok: true });
    }
    const method = /^\/api\/([\w.]+)$/.exec(url.pathname)?.[1];
    if (method === undefined) return respond(response, 404, { ok: false, error: "not_found" });

    const { token: tokenArg, ...args } = {
      ...Object.fromEntries(url.searchParams),
      ...parseArgs(request, text),
    };
    const bearer = /^Bearer (\S+)$/.exec(request.headers.authorization ?? "")?.[1];
    const token = bearer ?? (typeof tokenArg === "string" ? tokenArg : undefined);
    const call: RecordedCall = {
      method,
      token,
      args,
      at: new Date(),
      status: 200,
      response: undefined,
    };
    calls.push(call);

    const failure = takeFailure(method);
    if (failure?.retryAfterSeconds !== undefined) {
      call.status = 429;
      const headers = { "Retry-After": String(failure.retryAfterSeconds) };
      respond(response, 429, { ok: false, error: "ratelimited" }, headers);
    } else if (failure?.status !== undefined) {
      call.status = failure.status;
      respond(response, failure.status, `fake Slack failure ${failure.status}`);
    } else {
      call.response = failure
        ? { ok: false, error: failure.error ?? "internal_error" }
        : answer(method, args, token);
      respond(response, 200, call.response);
    }
    notify();
  });

  const socketMode = attachSocketMode(server, FAKE_SLACK_BOT.appId);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  wsOrigin = origin.replace(/^http/, "ws");

  return {
    url: `${origin}/api/`,
    addUser: (user) => void users.set(user.id, user),
    setUsergroup: (id, userIds) => void usergroups.set(id, [...userIds]),
    failNext: (method, failure = {}, times = 1) =>
      void rules.push({ method, failure, remaining: times }),
    failAll: (method, failure = {}) => void rules.push({ method, failure, remaining: Infinity }),
    recover() {
      rules = [];
    },
    calls: (method) => calls.filter((call) => method === undefined || call.method === method),
    waitForCall: (method, predicate = () => true, timeoutMillis = 5_000) =>
      waitFor(
        () => calls.find((call) => call.method === method && predicate(call)),
        timeoutMillis,
        () =>
          `matching ${method} call (seen: ${calls.map((call) => call.method).join(", ") || "none"})`,
      ),
    responseUrl: (id) => `${origin}/response/${encodeURIComponent(id)}`,
    responses: (id) => responses.filter((posted) => id === undefined || posted.id === id),
    waitForResponse: (id, timeoutMillis = 5_000) =>
      waitFor(
        () => responses.find((posted) => posted.id === id),
        timeoutMillis,
        () => `POST to response URL ${id}`,
      ),
    socketMode,
    reset() {
      calls = [];
      responses = [];
    },
    close() {
      return new Promise((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
        socketMode.dropAll();
      });
    },
  };
}

function slackTs(sequence: number): string {
  const seconds = 1_700_000_000 + Math.floor(sequence / 10_000);
  return `${seconds}.${String((sequence % 10_000) * 100).padStart(6, "0")}`;
}

function viewUser(user: FakeSlackUser): Args {
  const name = user.name ?? user.email?.split("@")[0] ?? user.id.toLowerCase();
  return {
    id: user.id,
    team_id: user.teamId,
    name,
    real_name: user.realName,
    deleted: user.deleted ?? false,
    is_bot: user.isBot ?? false,
    is_app_user: false,
    is_email_confirmed: user.emailConfirmed ?? true,
    profile: {
      ...(user.email === undefined ? {} : { email: user.email }),
      real_name: user.realName,
      display_name: name,
    },
  };
}

function parseArgs(request: IncomingMessage, text: string): Args {
  if ((request.headers["content-type"] ?? "").startsWith("application/json")) {
    return asObject(parseJson(text));
  }
  const args: Args = {};
  for (const [key, value] of new URLSearchParams(text)) {
    args[key] = JSON_FIELDS.has(key) ? (parseJson(value) ?? value) : value;
  }
  return args;
}

function asObject(value: unknown): Args {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Args)
    : {};
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

async function readBody(request: AsyncIterable<Buffer>): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk);
  return Buffer.concat(chunks).toString("utf8");
}

function respond(
  response: ServerResponse,
  status: number,
  payload: object | string,
  headers: Record<string, string> = {},
): void {
  const json = typeof payload !== "string";
  response.writeHead(status, {
    ...headers,
    "Content-Type": json ? "application/json; charset=utf-8" : "text/plain",
  });
  response.end(json ? JSON.stringify(payload) : payload);
}
