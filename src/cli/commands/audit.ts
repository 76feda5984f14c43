import type { Command } from "commander";
import {
  describeChainBreak,
  formatAnchor,
  parseAnchor,
  verifyAuditChain,
} from "../../audit/chain.ts";
import { EXPORT_FORMATS, type ExportFormat, formatExportLine } from "../../audit/export.ts";
import { CliError, type CliRuntime, parseIntegerOption } from "../context.ts";

const EXPORT_PAGE = 1_000;

function parseAnchorOption(value: string) {
  const anchor = parseAnchor(value);
  if (!anchor) {
    throw new CliError(`--anchor must be SEQ:HASH as printed by "passdesk audit anchor"`);
  }
  return anchor;
}

function parseFormat(value: string): ExportFormat {
  if (!(EXPORT_FORMATS as readonly string[]).includes(value)) {
    throw new CliError(`--format must be one of ${EXPORT_FORMATS.join(", ")}, got "${value}"`);
  }
  return value as ExportFormat;
}

export function registerAuditCommands(program: Command, { withContext }: CliRuntime): void {
  const audit = program.command("audit").description("read and check the audit log");
  audit
    .command("tail")
    .description("print the newest audit entries, oldest first")
    .option("-n, --lines <n>", "how many entries", parseIntegerOption("-n", 1, 10_000), 20)
    .action((options: { lines: number }) =>
      withContext(async ({ repo, print }) => {
        for (const entry of await repo.audit.tail(options.lines)) {
          const parts = [
            entry.at.toISOString(),
            `${entry.actorType}${entry.actorId ? `:${entry.actorId}` : ""}`,
            entry.action,
            entry.outcome,
            entry.targetEmail,
            entry.connection,
            entry.requestId && `request=${entry.requestId}`,
            Object.keys(entry.details).length ? JSON.stringify(entry.details) : null,
          ];
          print(parts.filter(Boolean).join("  "));
        }
      }),
    );

  audit
    .command("verify")
    .description(
      "walk the audit log's hash chain; exit 1 at the first edited, deleted or moved entry",
    )
    .option(
      "--anchor <seq:hash>",
      'a head printed earlier by "audit anchor": also catches the newest entries deleted',
      parseAnchorOption,
    )
    .action((options: { anchor?: { seq: number; hash: string } }) =>
      withContext(async ({ repo, print }) => {
        const report = await verifyAuditChain(repo.auditChain, { anchor: options.anchor });
        if (report.beforeChain > 0) {
          print(`${report.beforeChain} entries predate the chain and are not covered by it`);
        }
        if (report.broken) {
          throw new CliError(
            `audit chain broken after ${report.checked} intact entries: ${describeChainBreak(report.broken)}`,
          );
        }
        const head = report.head ? `, head ${formatAnchor(report.head)}` : "";
        print(`audit chain intact: ${report.checked} entries${head}`);
      }),
    );

  audit
    .command("anchor")
    .description("print the chain's head (SEQ:HASH) to keep somewhere else")
    .action(() =>
      withContext(async ({ repo, print }) => {
        const head = await repo.auditChain.head();
        if (!head) throw new CliError("the audit chain is empty");
        print(formatAnchor(head));
      }),
    );

  audit
    .command("export")
    .description("print audit entries as JSON lines (jsonl) or OCSF events, oldest first")
    .option("--format <format>", `one of ${EXPORT_FORMATS.join(", ")}`, parseFormat, "jsonl")
    .option(
      "--since <id>",
      "only entries with a higher id (the last id a previous export printed)",
      parseIntegerOption("--since", 0, Number.MAX_SAFE_INTEGER),
      0,
    )
    .action((options: { format: ExportFormat; since: number }) =>
      withContext(async ({ repo, print }) => {
        let after = options.since;
        for (;;) {
          const entries = await repo.auditChain.after(after, EXPORT_PAGE);
          for (const entry of entries) print(formatExportLine(entry, options.format));
          if (entries.length < EXPORT_PAGE) break;
          after = (entries.at(-1) as { id: number }).id;
        }
      }),
    );
}
