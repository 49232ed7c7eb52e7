/**
 * Main-thread manners for the browser: long jobs are split into tasks of their own, so a page
 * never sees one long task (input waits behind a task; Chromium reports every one over 50 ms).
 */

type Scheduler = { yield?: () => Promise<void> };

/** Resolves in a new task (`scheduler.yield()` where the browser has it: it resumes first). */
export function yieldToMain(): Promise<void> {
  const s = (globalThis as { scheduler?: Scheduler }).scheduler;
  return s?.yield ? s.yield() : new Promise((resolve) => setTimeout(resolve));
}

let warmed: Promise<void> | undefined;

/**
 * Loads the browser's number-formatting data (ICU) ahead of the first price, while the session
 * request is on its way, one step per task. The first `Intl.NumberFormat` of a page costs
 * 50–90 ms at a 4× CPU throttle in Chromium in one piece; as locale resolution, then locale
 * support, then a currency format, no step is a long task. Once per page; a failure is ignored
 * (formatting then pays the cost itself).
 */
export function warmNumberFormat(locale: string): Promise<void> {
  return (warmed ??= (async () => {
    const steps = [
      () => new Intl.Locale(locale).maximize(),
      () => Intl.NumberFormat.supportedLocalesOf([locale]),
      () => new Intl.NumberFormat(locale, { style: 'currency', currency: 'USD' }).format(1),
    ];
    for (const step of steps) {
      await yieldToMain();
      try {
        step();
      } catch {
        return; // a malformed tag: formatting falls back on its own
      }
    }
  })());
}
