/**
 * The one polling helper: calls `check` (which may be async) until it holds,
 * or fails after `timeoutMs` naming `what` it waited for. Tests wait on
 * something observable (a counter, an event, a snapshot), never for a time.
 */
export async function waitUntil(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 5_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
