import type { AccountRegistry } from './accounts';
import { DAY_MS } from './dates';
import { Prng } from './prng';
import type { Recording, RecordingFactory, RecordingInit, RecordingSource, RecordingStatus } from './recording-store';

export interface SeedOptions {
  /** Same seed, same recordings. Default 1. */
  seed?: number;
  count: number;
  /** Date range for date_created; default the 120 days before `now`. */
  from?: Date | number | string;
  to?: Date | number | string;
  now?: Date | number | string;
  /**
   * Relative weights of statuses, in place of the default (mostly completed with a few absent,
   * processing, in-progress, paused, stopped and deleted); a status not named is not seeded.
   */
  statusMix?: Partial<Record<RecordingStatus, number>>;
  /** Fixed duration for every recording with media (benchmarks); otherwise 3 s to `maxDurationSeconds`. */
  durationSeconds?: number;
  minDurationSeconds?: number;
  maxDurationSeconds?: number;
  /** Share of recordings with two channels; default 0.3. */
  dualChannelShare?: number;
  /** Share of recordings made in a conference; default 0.15. */
  conferenceShare?: number;
  /** Share of recordings that reuse the previous call of their account (several recordings per call); default 0.2. */
  sameCallShare?: number;
  /** Which accounts receive recordings: default the parent and every subaccount, evenly. */
  accountSids?: string[];
}

export const DEFAULT_STATUS_MIX: Record<RecordingStatus, number> = {
  completed: 0.9,
  absent: 0.04,
  processing: 0.02,
  'in-progress': 0.015,
  paused: 0.005,
  stopped: 0.005,
  deleted: 0.015,
};

const CALL_SOURCES: readonly RecordingSource[] = [
  'DialVerb',
  'OutboundAPI',
  'RecordVerb',
  'Trunking',
  'StartCallRecordingAPI',
];
const CONFERENCE_SOURCES: readonly RecordingSource[] = ['Conference', 'StartConferenceRecordingAPI'];

/** Twilio charges $0.0025 per started minute of recording; shown negative, as a cost. */
export function recordingPrice(durationSeconds: number): string {
  const minutes = Math.max(1, Math.ceil(durationSeconds / 60));
  return (-minutes * 0.0025).toFixed(4);
}

function toMs(value: Date | number | string): number {
  const ms = value instanceof Date ? value.getTime() : typeof value === 'number' ? value : Date.parse(value);
  if (!Number.isFinite(ms)) throw new Error(`Not a date: ${String(value)}`);
  return ms;
}

function wholeSeconds(ms: number): number {
  return Math.floor(ms / 1000) * 1000;
}

function pickWeighted<T extends string>(prng: Prng, weights: [T, number][], total: number): T {
  let r = prng.next() * total;
  for (const [value, weight] of weights) {
    r -= weight;
    if (r < 0) return value;
  }
  return (weights[weights.length - 1] as [T, number])[0];
}

/** Produces deterministic recordings for the store, from a seed or from partial fields. */
export class RecordingSeeder implements RecordingFactory<SeedOptions> {
  // Recordings added one by one get sids from their own stream so adding one never shifts a seeded set.
  private readonly addPrng: Prng;

  constructor(private readonly accounts: AccountRegistry) {
    this.addPrng = new Prng(0xadd0_5eed);
  }

  seed(options: SeedOptions): Recording[] {
    const prng = new Prng((options.seed ?? 1) ^ 0x2ec0_2d11);
    const nowMs = options.now === undefined ? Date.now() : toMs(options.now);
    const toMsValue = options.to === undefined ? nowMs : toMs(options.to);
    const fromMsValue = options.from === undefined ? toMsValue - 120 * DAY_MS : toMs(options.from);
    const span = Math.max(0, toMsValue - fromMsValue);
    const weights: Partial<Record<RecordingStatus, number>> = options.statusMix ?? DEFAULT_STATUS_MIX;
    const mix = (Object.entries(weights) as [RecordingStatus, number][]).filter(([, weight]) => weight > 0);
    const mixTotal = mix.reduce((sum, [, weight]) => sum + weight, 0);
    const accountSids = options.accountSids ?? this.accounts.all().map((a) => a.sid);
    const lastCallByAccount = new Map<string, { callSid: string; conferenceSid: string | null }>();
    const minDuration = options.minDurationSeconds ?? 3;
    const maxDuration = options.maxDurationSeconds ?? 1800;

    const out: Recording[] = new Array(options.count);
    for (let i = 0; i < options.count; i++) {
      const accountSid = accountSids[i % accountSids.length] as string;
      const status = pickWeighted(prng, mix, mixTotal);
      const createdMs = wholeSeconds(fromMsValue + prng.next() * span);
      // Skewed towards short calls, as real traffic is.
      const drawn = minDuration + Math.floor(prng.next() ** 3 * (maxDuration - minDuration + 1));
      let durationSeconds = options.durationSeconds ?? drawn;
      const previous = lastCallByAccount.get(accountSid);
      let callSid: string;
      let conferenceSid: string | null;
      if (previous && prng.chance(options.sameCallShare ?? 0.2)) {
        ({ callSid, conferenceSid } = previous);
      } else {
        callSid = prng.sid('CA');
        conferenceSid = prng.chance(options.conferenceShare ?? 0.15) ? prng.sid('CF') : null;
        lastCallByAccount.set(accountSid, { callSid, conferenceSid });
      }
      let errorCode: number | null = null;
      if (status === 'absent') {
        const silent = prng.chance(0.5);
        errorCode = silent ? 16102 : 16101;
        durationSeconds = silent ? durationSeconds : prng.int(0, 1);
      }
      if (status === 'in-progress' || status === 'paused') durationSeconds = -1;
      const finished = status === 'completed' || status === 'deleted' || status === 'absent';
      out[i] = {
        sid: prng.sid('RE'),
        accountSid,
        callSid,
        conferenceSid,
        dateCreatedMs: createdMs,
        dateUpdatedMs: createdMs + (durationSeconds > 0 ? durationSeconds * 1000 : 0) + (finished ? 2000 : 0),
        startTimeMs: createdMs,
        durationSeconds,
        status,
        channels: prng.chance(options.dualChannelShare ?? 0.3) ? 2 : 1,
        source: prng.pick(conferenceSid ? CONFERENCE_SOURCES : CALL_SOURCES),
        errorCode,
        price: status === 'completed' || status === 'deleted' ? recordingPrice(durationSeconds) : null,
        priceUnit: 'USD',
        track: 'both',
        encryptionDetails: null,
      };
    }
    return out;
  }

  make(init: RecordingInit): Recording {
    const prng = this.addPrng;
    const status = init.status ?? 'completed';
    const durationSeconds = init.durationSeconds ?? (status === 'in-progress' || status === 'paused' ? -1 : 60);
    const createdMs = wholeSeconds(init.dateCreated === undefined ? Date.now() : toMs(init.dateCreated));
    const conferenceSid = init.conferenceSid ?? null;
    return {
      sid: init.sid ?? prng.sid('RE'),
      accountSid: init.accountSid ?? this.accounts.parent.sid,
      callSid: init.callSid === undefined ? prng.sid('CA') : init.callSid,
      conferenceSid,
      dateCreatedMs: createdMs,
      dateUpdatedMs: wholeSeconds(
        init.dateUpdated === undefined ? createdMs + Math.max(0, durationSeconds) * 1000 : toMs(init.dateUpdated),
      ),
      startTimeMs: wholeSeconds(init.startTime === undefined ? createdMs : toMs(init.startTime)),
      durationSeconds,
      status,
      channels: init.channels ?? 1,
      source: init.source ?? (conferenceSid ? 'Conference' : 'OutboundAPI'),
      errorCode: init.errorCode ?? (status === 'absent' ? 16101 : null),
      price:
        init.price !== undefined
          ? init.price
          : status === 'completed' || status === 'deleted'
            ? recordingPrice(durationSeconds)
            : null,
      priceUnit: init.priceUnit ?? 'USD',
      track: init.track ?? 'both',
      encryptionDetails: init.encryptionDetails ?? null,
    };
  }
}
