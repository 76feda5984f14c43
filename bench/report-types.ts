/** One row of the results table: a Passdesk figure next to the floor measured in the same run. */
export interface Figure {
  section: string;
  measure: string;
  unit: string;
  value: number;
  floor: number;
  floorLabel: string;
  /** value ÷ floor; NaN where a quotient means nothing (a p-value against its threshold). */
  ratio: number;
  /** e.g. "≥ 0.75× floor"; absent for context-only rows. */
  target?: string;
  met?: boolean;
}

export interface SectionResult {
  figures: Figure[];
  /** Everything else worth keeping in performance.json. */
  details: Record<string, unknown>;
  notes: string[];
}

export function figure(fields: Omit<Figure, "ratio"> & { ratio?: number }): Figure {
  return { ...fields, ratio: fields.ratio ?? fields.value / fields.floor };
}

/** A section that measured but failed its own checks: its figures still go in the report. */
export class SectionFailure extends Error {
  constructor(
    message: string,
    readonly result: SectionResult,
  ) {
    super(message);
  }
}
