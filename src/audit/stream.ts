import type { Clock } from "../clock.ts";
import { retryDelayMillis } from "../jobs/backoff.ts";
import { type PeriodicJob, startPeriodicJob } from "../jobs/periodic-job.ts";
import type { Logger } from "../logger.ts";
import type { AuditChainStore } from "./chain.ts";
import { type ExportFormat, formatExportLine } from "./export.ts";

/**
 * Where the stream has got to, shared by every instance: the last entry id the receiver
 * accepted, and a lease so that one instance sends at a time.
 */
export interface AuditStreamCheckpoints {
  /**
   * Takes the stream until `leaseUntil`, unless another instance holds it or its retry is not
   * due; returns the id after which to send, and the failed attempts so far.
   */
  claim(
    name: string,
    owner: string,
    now: Date,
    leaseUntil: Date,
  ): Promise<{ lastId: number; attempts: number } | undefined>;
  /**
   * Records that the receiver has every entry up to `lastId` and extends the lease to
   * `leaseUntil`; false if the lease was lost (another instance took over).
   */
  advance(name: string, owner: string, lastId: number, leaseUntil: Date): Promise<boolean>;
  /** Gives the stream up after a failed send, to be tried again at `at`. */
  retryAt(name: string, owner: string, at: Date): Promise<void>;
  /** Gives the stream up, for any instance's next pass. */
  release(name: string, owner: string): Promise<void>;
}

/** A batch of lines the receiver did not accept; `reason` is safe to log (no URL, no body). */
export interface AuditStreamSendError extends Error {
  reason?: string;
  retryAfterSeconds?: number;
}

/** POSTs one batch of lines; resolves once the receiver accepted it (2xx). */
export type AuditBatchSender = (batch: {
  body: string;
  /** The same for every attempt at the same entries: `audit-<first id>-<last id>`. */
  idempotencyKey: string;
}) => Promise<void>;

export interface AuditStreamOptions {
  chain: Pick<AuditChainStore, "after">;
  checkpoints: AuditStreamCheckpoints;
  send: AuditBatchSender;
  format: ExportFormat;
  batchSize: number;
  clock: Clock;
  logger: Logger;
  intervalMillis: number;
  /** Longer than a send may take (its timeout), so no other instance sends the same batch. */
  leaseMillis: number;
  /** This instance, in the lease. */
  owner: string;
}

export const AUDIT_STREAM_NAME = "default";

/** Batches per pass at most, so one pass ends and the lease is renewed. */
const BATCHES_PER_PASS = 20;

export type AuditStream = PeriodicJob;

/**
 * Streams the audit log (`passdesk audit export`'s lines) to an HTTP endpoint, oldest first, in
 * batches. The checkpoint moves only after the receiver answered 2xx, in the database, so a
 * restart or another instance goes on from there: each entry is received once, or — when the
 * checkpoint could not be written after a 2xx — twice with the same idempotency key and ids.
 * Ids grow along the audit chain, so an entry is never committed behind the checkpoint.
 */
export function startAuditStream(options: AuditStreamOptions): AuditStream {
  const { checkpoints, clock, logger, owner } = options;
  const name = AUDIT_STREAM_NAME;

  const leaseFromNow = () => new Date(clock.now().getTime() + options.leaseMillis);

  async function pass(stopped: () => boolean): Promise<void> {
    const claimed = await checkpoints.claim(name, owner, clock.now(), leaseFromNow());
    if (!claimed) return;
    let lastId = claimed.lastId;
    let handedOver = false;
    try {
      for (let batch = 0; batch < BATCHES_PER_PASS && !stopped(); batch++) {
        const entries = await options.chain.after(lastId, options.batchSize);
        if (entries.length === 0) return;
        const first = entries[0]?.id ?? lastId;
        const last = entries.at(-1)?.id ?? lastId;
        try {
          await options.send({
            body: `${entries.map((entry) => formatExportLine(entry, options.format)).join("\n")}\n`,
            idempotencyKey: `audit-${first}-${last}`,
          });
        } catch (error) {
          const failure = error as AuditStreamSendError;
          const delay = retryDelayMillis(claimed.attempts + 1, failure.retryAfterSeconds);
          logger.warn(
            { reason: failure.reason ?? "error", entries: entries.length, retryInMillis: delay },
            "audit stream: the receiver did not accept a batch; will retry",
          );
          handedOver = true;
          await checkpoints.retryAt(name, owner, new Date(clock.now().getTime() + delay));
          return;
        }
        lastId = last;
        if (!(await checkpoints.advance(name, owner, lastId, leaseFromNow()))) {
          handedOver = true;
          return;
        }
        if (entries.length < options.batchSize) return;
      }
    } finally {
      if (!handedOver) await checkpoints.release(name, owner);
    }
  }

  return startPeriodicJob(pass, { logger, intervalMillis: options.intervalMillis, jitter: 0.2 });
}
