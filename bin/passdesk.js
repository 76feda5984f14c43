#!/usr/bin/env node
// Runs the TypeScript sources directly (no build step), so `npx passdesk` works right after `npm ci`.
import { register } from "tsx/esm/api";

register();
const { runCli } = await import("../src/cli/main.ts");
await runCli(process.argv);
