export function sleep(millis: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, millis));
}

/**
 * Polls `condition` until it holds; throws naming `what` after `timeoutMillis`. The one polling
 * wait of the test suites: a bound for hangs, never a speed assertion.
 */
export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  timeoutMillis: number,
  what: string,
  intervalMillis = 50,
): Promise<void> {
  const deadline = Date.now() + timeoutMillis;
  while (!(await condition())) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMillis} ms waiting for ${what}`);
    await sleep(intervalMillis);
  }
}
