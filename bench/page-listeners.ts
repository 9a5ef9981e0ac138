// The page's own event listeners, read through CDP: for the UI bench (bench/ui.ts) and the
// e2e guard against a listener leak (test/e2e/trends.test.ts).
import type { CDPSession } from 'playwright-core';

/**
 * Listeners on `window` and on every node of the document (addEventListener and `on…`
 * handlers alike). Not Chromium's JSEventListeners counter (Memory.getDOMCounters,
 * Performance.getMetrics): that one also counts Playwright's utility-world listeners and
 * those of removed nodes not swept yet, so it moves by ±10 on a page that adds none
 * (docs/performance.md, "UI event listeners"); this is the figure that shows a leak.
 */
export async function pageListeners(cdp: CDPSession): Promise<number> {
  let n = 0;
  for (const [expression, depth] of [
    ['window', 0],
    ['document', -1],
  ] as const) {
    const { result } = await cdp.send('Runtime.evaluate', { expression });
    n += (await cdp.send('DOMDebugger.getEventListeners', { objectId: result.objectId!, depth, pierce: true })).listeners.length;
  }
  return n;
}
