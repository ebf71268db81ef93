/** Waiting in tests and benches. Prefer an injected clock (ManualClock) where the code takes one. */

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls a synchronous condition every 10 ms; throws naming `what` when timeoutMs passes first. */
export async function waitUntil(what: string, timeoutMs: number, condition: () => boolean): Promise<void> {
  const t0 = Date.now();
  while (!condition()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

/** Polls until check() is truthy or the time is up; resolves with the last answer. */
export async function eventually(
  check: () => Promise<boolean> | boolean,
  timeoutMs = 3000,
): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check()) return true;
    await sleep(20);
  }
  return check();
}

/** Polls an asynchronous condition (Redis, or work done in the background); throws naming `what` on timeout. */
export async function until(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
  const t0 = Date.now();
  while (!(await check())) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}
