/**
 * A drizzle prepared query, built on first use and kept by the store that made it. Drizzle
 * otherwise turns its query builder into SQL text again on every call (about 130 µs each, most
 * of the worker's drizzle time while it drains the outbox); a prepared query only fills in its
 * placeholders. For the few statements on a hot path; stores made for one transaction build
 * theirs only if they use them.
 */
export function prepareOnce<Q>(build: () => Q): () => Q {
  let query: Q | undefined;
  return () => {
    query ??= build();
    return query;
  };
}
