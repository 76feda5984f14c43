#!/usr/bin/env node
// Fails when src/ breaks the import rules of docs/architecture.md:
//   1. only src/db/ itself and the composition roots import src/db/;
//   2. no import cycle between feature folders (the folders directly under src/);
//   3. the domain's folders import no HTTP, Slack or database framework, except the adapter
//      files listed below.
// Usage: node scripts/check-architecture.mjs [src-folder]
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, normalize, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), "..", "src"));

/** The files that build adapters from config and wire them: they may import anything. */
const COMPOSITION_ROOTS = new Set(["main.ts", "cli/main.ts"]);
const COMPOSITION_FOLDERS = ["compose/"];
const isCompositionRoot = (posix) =>
  COMPOSITION_ROOTS.has(posix) || COMPOSITION_FOLDERS.some((folder) => posix.startsWith(folder));
/** Folders that are edges or adapters: they may import frameworks. */
const EDGES = new Set(["db", "http", "slack", "cli", "compose", "user-stores"]);
const FRAMEWORKS = [
  /^hono(\/|$)/,
  /^@hono\//,
  /^@slack\//,
  /^drizzle-orm(\/|$)/,
  /^postgres$/,
  /^@electric-sql\//,
  /^@sendgrid\//,
];
/** Adapters that live in the feature folder whose port they implement. */
const ADAPTERS = new Set(["email/sendgrid-mailer.ts", "email/sendgrid-errors.ts"]);

function listFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return listFiles(path);
    return /\.(ts|mts|js|mjs)$/.test(entry.name) ? [path] : [];
  });
}

const IMPORT =
  /(?:^|[^\w.])(?:import|export)\s[^"'`;]*?from\s*["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)|^\s*import\s+["']([^"']+)["']/gm;

function importsOf(file) {
  const text = readFileSync(file, "utf8");
  return [...text.matchAll(IMPORT)].map((match) => match[1] ?? match[2] ?? match[3]);
}

const featureOf = (path) => {
  const parts = path.split(sep);
  return parts.length > 1 ? parts[0] : undefined;
};

const problems = [];
const edges = new Map();
const because = new Map();
for (const file of listFiles(root)) {
  const from = relative(root, file);
  const fromFeature = featureOf(from);
  for (const specifier of importsOf(file)) {
    if (!specifier.startsWith(".")) {
      if (
        fromFeature &&
        !EDGES.has(fromFeature) &&
        !ADAPTERS.has(from.split(sep).join("/")) &&
        FRAMEWORKS.some((pattern) => pattern.test(specifier))
      ) {
        problems.push(`${from} imports ${specifier}: the domain imports no framework`);
      }
      continue;
    }
    const target = relative(root, normalize(join(dirname(file), specifier)));
    if (target.startsWith("..")) continue;
    const toFeature = featureOf(target);
    const posix = from.split(sep).join("/");
    if (toFeature === "db" && fromFeature !== "db" && !isCompositionRoot(posix)) {
      problems.push(`${from} imports ${target}: only src/db/ and the composition roots may`);
    }
    if (fromFeature && toFeature && fromFeature !== toFeature) {
      if (!edges.has(fromFeature)) edges.set(fromFeature, new Set());
      edges.get(fromFeature).add(toFeature);
      const key = `${fromFeature}→${toFeature}`;
      if (!because.has(key)) because.set(key, `${from} imports ${target}`);
    }
  }
}

// Tarjan's strongly connected components over the feature graph: any with two or more is a cycle.
let index = 0;
const indexOf = new Map();
const lowOf = new Map();
const stack = [];
const onStack = new Set();
function visit(node) {
  indexOf.set(node, index);
  lowOf.set(node, index);
  index += 1;
  stack.push(node);
  onStack.add(node);
  for (const next of edges.get(node) ?? []) {
    if (!indexOf.has(next)) {
      visit(next);
      lowOf.set(node, Math.min(lowOf.get(node), lowOf.get(next)));
    } else if (onStack.has(next)) {
      lowOf.set(node, Math.min(lowOf.get(node), indexOf.get(next)));
    }
  }
  if (lowOf.get(node) === indexOf.get(node)) {
    const component = [];
    let member;
    do {
      member = stack.pop();
      onStack.delete(member);
      component.push(member);
    } while (member !== node);
    if (component.length > 1) {
      const links = [...because]
        .filter(([key]) => component.some((a) => component.some((b) => key === `${a}→${b}`)))
        .map(([key, example]) => `    ${key} (${example})`);
      problems.push(`import cycle between ${component.sort().join(", ")}:\n${links.join("\n")}`);
    }
  }
}
for (const node of edges.keys()) if (!indexOf.has(node)) visit(node);

if (problems.length > 0) {
  console.error(`check-architecture: ${problems.length} problem(s)\n${problems.join("\n")}`);
  process.exitCode = 1;
} else {
  console.log(
    `architecture: ${edges.size} feature folders, no cycle, src/db/ imported only by db and the composition roots`,
  );
}
