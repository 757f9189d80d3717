export interface ScanProgress {
  /** A page of Twilio's list arrived with this many recordings. */
  pageScanned(records: number): void;
  stop(): void;
}

export interface ScanProgressOptions {
  stream?: NodeJS.WritableStream;
  /** Milliseconds between lines; a scan shorter than this prints nothing. */
  intervalMs?: number;
  silent?: boolean;
  now?: () => number;
}

/** `Scanned 120 pages, 118,000 recordings (23,600 a second)` */
export function scanProgressLine(pages: number, records: number, elapsedMs: number): string {
  const perSecond = Math.round(records / Math.max(elapsedMs / 1000, 0.001));
  const count = (n: number) => n.toLocaleString('en-US');
  return `Scanned ${count(pages)} pages, ${count(records)} recordings (${count(perSecond)} a second)`;
}

/** A line on stderr every few seconds while a long scan of Twilio's lists runs; nothing for a short one. */
export function createScanProgress(options: ScanProgressOptions = {}): ScanProgress {
  if (options.silent) return { pageScanned() {}, stop() {} };
  const stream = options.stream ?? process.stderr;
  const now = options.now ?? Date.now;
  const startedAt = now();
  let pages = 0;
  let records = 0;
  const timer = setInterval(
    () => stream.write(`${scanProgressLine(pages, records, now() - startedAt)}\n`),
    options.intervalMs ?? 5000,
  );
  timer.unref();
  return {
    pageScanned(count) {
      pages += 1;
      records += count;
    },
    stop() {
      clearInterval(timer);
    },
  };
}
