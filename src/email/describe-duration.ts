const UNITS = [
  { seconds: 86_400, singular: "day", plural: "days" },
  { seconds: 3_600, singular: "hour", plural: "hours" },
  { seconds: 60, singular: "minute", plural: "minutes" },
  { seconds: 1, singular: "second", plural: "seconds" },
] as const;

/**
 * 432000 → "5 days", 5400 → "90 minutes": the largest unit that states the lifetime exactly, so
 * the email never promises more time than the link really has.
 */
export function describeDuration(totalSeconds: number): string {
  const seconds = Math.max(0, Math.floor(totalSeconds));
  const unit = UNITS.find((candidate) => seconds % candidate.seconds === 0 && seconds > 0);
  if (unit === undefined) return "0 seconds";
  const count = seconds / unit.seconds;
  return `${count} ${count === 1 ? unit.singular : unit.plural}`;
}
