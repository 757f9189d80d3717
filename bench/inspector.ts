import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchChromium, openInspector } from '../test/e2e/inspector-browser';
import { TwilioWorld } from '../test/e2e/twilio-world';
import { allOk, CALLBACKS, fire, IN_FLIGHT, percentile, startHandler, startListen, type Handler } from './callbacks';
import { median, row, type BenchRow } from './measure';

/** More rounds than the relay benchmark: each takes seconds, and a shared machine's drift needs them. */
const ROUNDS = 5;

function peakRssMb(pid: number | undefined): number {
  const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(match?.[1] ?? 0) / 1024;
}

function lines(path: string): number {
  return readFileSync(path, 'utf8').trim().split('\n').length;
}

/** Reads of the handler's count, at most, waiting for it to reach what was sent. */
const MOST_COUNT_READS = 100;

/**
 * The handler's count once it has settled: read until it reaches `expected`, or for at most
 * MOST_COUNT_READS reads, so that a callback that never arrived shows as lost.
 */
async function settledCount(handler: Handler, expected: number): Promise<number> {
  let count = await handler.accepted();
  for (let reads = 1; count < expected && reads < MOST_COUNT_READS; reads += 1) count = await handler.accepted();
  return count;
}

/**
 * The callbacks benchmark's relay, once with `--inspect` and the page open in a headless Chromium and
 * once without, both listeners running side by side and fired at alternately in the same run.
 */
export async function inspectorBenchmarks(): Promise<BenchRow[]> {
  const world = await TwilioWorld.start({ subaccounts: 0 });
  const { sid: accountSid, authToken: token } = world.sandbox.account;
  const scratch = mkdtempSync(join(tmpdir(), 'bench-inspector-'));
  const handler = await startHandler(world.environment(world.authTokenEnv));
  const browser = await launchChromium();
  try {
    const plainLog = join(scratch, 'plain.jsonl');
    const inspectedLog = join(scratch, 'inspected.jsonl');
    const plain = await startListen(world, ['--forward-to', handler.url, '--log', plainLog]);
    const inspected = await startListen(world, ['--forward-to', handler.url, '--log', inspectedLog, '--inspect']);
    const page = await openInspector(browser, inspected.inspectorUrl as string);
    await fire(plain.localUrl, plain.callbackUrl, token, accountSid, CALLBACKS / 2);
    await fire(inspected.localUrl, inspected.callbackUrl, token, accountSid, CALLBACKS / 2);
    let handled = CALLBACKS;
    const p50 = { plain: [] as number[], inspected: [] as number[] };
    const seenPerRound: number[] = [];
    const failed = new Map<number, number>();
    let ok = true;
    let rssAfterFirstRound = 0;
    for (let round = 0; round < ROUNDS; round += 1) {
      const withoutPage = await fire(plain.localUrl, plain.callbackUrl, token, accountSid, CALLBACKS);
      const before = await settledCount(handler, handled + CALLBACKS);
      const withPage = await fire(inspected.localUrl, inspected.callbackUrl, token, accountSid, CALLBACKS);
      handled = await settledCount(handler, before + CALLBACKS);
      seenPerRound.push(handled - before);
      ok &&= allOk(withoutPage) && allOk(withPage);
      for (const [status, times] of [...withoutPage.statuses, ...withPage.statuses]) {
        if (status < 200 || status >= 300) failed.set(status, (failed.get(status) ?? 0) + times);
      }
      p50.plain.push(percentile(withoutPage.latenciesMs, 50));
      p50.inspected.push(percentile(withPage.latenciesMs, 50));
      if (round === 0) rssAfterFirstRound = peakRssMb(inspected.child.pid);
    }
    const seen = Math.min(...seenPerRound);
    const total = CALLBACKS / 2 + CALLBACKS * ROUNDS;
    await page.locator('[data-counter="received"] b', { hasText: String(total) }).waitFor({ timeout: 30_000 });
    const rowsKept = Number(await page.locator('#requests').getAttribute('data-kept'));
    const rowsDrawn = await page.locator('#rows tr').count();
    const rss = { plain: peakRssMb(plain.child.pid), inspected: peakRssMb(inspected.child.pid) };
    await plain.stop();
    await inspected.stop();
    const logged = (lines(inspectedLog) - CALLBACKS / 2) / ROUNDS;
    // Each round's pair ran back to back, so their ratio is what drift on a shared machine touches least.
    const ratio = median(p50.inspected.map((ms, round) => ms / p50.plain[round]));
    const count = (n: number) => n.toLocaleString('en-US');
    return [
      row(
        `${count(CALLBACKS)} signed callbacks, ${IN_FLIGHT} in flight, through \`listen --forward-to --inspect\` with the page open in headless Chromium (${ROUNDS} rounds): handler saw / log has, per round; the page counted all ${count(total)} (the handler saw ${seenPerRound.map(count).join(', ')}; answers other than 2xx: ${[...failed].map(([status, times]) => `${status} ×${times}`).join(', ') || 'none'})`,
        `${count(seen)} / ${count(logged)}`,
        `${count(CALLBACKS)} sent`,
        seen / CALLBACKS,
        'none lost',
        ok && seen === CALLBACKS && logged === CALLBACKS,
      ),
      row(
        `p50 relay latency with \`--inspect\` and the page open vs without, both listeners in the same run: median of the ratios of ${ROUNDS} alternating rounds (rounds: ${p50.inspected.map((ms, i) => `${ms.toFixed(1)}/${p50.plain[i].toFixed(1)}`).join(', ')} ms)`,
        `${median(p50.inspected).toFixed(1)} ms`,
        `${median(p50.plain).toFixed(1)} ms`,
        ratio,
        '≤ 1.10',
        ratio <= 1.1,
      ),
      row(
        `peak RSS of the listener with \`--inspect\` and the page open: after ${count(total)} callbacks vs after ${count(CALLBACKS * 1.5)} (the page keeps the last 500 requests: ${rowsKept} kept, the ${rowsDrawn} in view drawn)`,
        `${rss.inspected.toFixed(0)} MB`,
        `${rssAfterFirstRound.toFixed(0)} MB`,
        rss.inspected / rssAfterFirstRound,
        'measured',
        rowsKept <= 500,
      ),
      row(
        `peak RSS of the listener after ${count(total)} callbacks, with \`--inspect\` and the page open vs without`,
        `${rss.inspected.toFixed(0)} MB`,
        `${rss.plain.toFixed(0)} MB`,
        rss.inspected / rss.plain,
        'measured',
        true,
      ),
    ];
  } finally {
    await browser.close();
    handler.close();
    await world.close();
    rmSync(scratch, { recursive: true, force: true });
  }
}
