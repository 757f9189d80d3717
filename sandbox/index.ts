import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { AccountRegistry } from './accounts';
import { CertificateAuthority } from './ca';
import { CdnSigner } from './cdn-signer';
import { createCounters, resetCounters, type Counters } from './counters';
import { GeneratedRecordings, type GeneratedAccountsOptions } from './generated-recordings';
import { EncryptionRegistry, type EncryptOptions } from './encryption';
import { DEFAULT_KNOBS, type Knobs } from './knobs';
import { RecordingStore } from './recording-store';
import type { SandboxState } from './request-context';
import { RecordingSeeder, type SeedOptions } from './seed';
import { SandboxServer } from './server';

export { expectedMedia, servedMedia } from './media';
export type { EncryptOptions } from './encryption';
export type { Counters } from './counters';
export type { Knobs } from './knobs';
export { PAGE_COST_MODEL } from './knobs';
export type { GeneratedAccountsOptions } from './generated-recordings';
export { GENERATED_SHAPES, type GeneratedShape } from './generated-timeline';
export type { Recording, RecordingSource } from './recording-store';
export type { SeedOptions } from './seed';

export interface SandboxOptions {
  /** Port on 127.0.0.1; default 0 (any free port). */
  port?: number;
  /** Seed for accounts and, unless `recordings.seed` says otherwise, for seeded recordings. Default 1. */
  seed?: number;
  /** Number of subaccounts of the parent account. Default 2. */
  subaccounts?: number;
  /** Recordings to seed at start: a count, or full seeding options. Default none. */
  recordings?: number | SeedOptions;
  /**
   * Accounts whose recordings are computed from their index and the seed, for millions of them in
   * constant memory. Seeded and added recordings go to the other accounts.
   */
  generated?: GeneratedAccountsOptions;
  /** Host name of the media CDN that redirected media points at. Default media.twiliocdn.test. */
  cdnHost?: string;
  knobs?: Partial<Knobs>;
}

export type RecordingStoreApi = RecordingStore<SeedOptions>;

export interface Sandbox {
  port: number;
  /** http://127.0.0.1:PORT, for direct requests without proxy or TLS. */
  url: string;
  caCertPath: string;
  caCertPem: string;
  /** What a child `twilio` process needs in its environment to reach the sandbox. */
  env: { HTTPS_PROXY: string; HTTP_PROXY: string; NODE_EXTRA_CA_CERTS: string; NO_PROXY: '' };
  account: { sid: string; authToken: string; apiKeySid: string; apiKeySecret: string };
  subaccounts: Array<{ sid: string; authToken: string }>;
  store: RecordingStoreApi;
  readonly knobs: Readonly<Knobs>;
  setKnobs(partial: Partial<Knobs>): void;
  readonly counters: Counters;
  resetCounters(): void;
  /** A suspended account answers 403 (error 20005) and a closed one 404, to its own credentials too. */
  setAccountStatus(sid: string, status: 'active' | 'suspended' | 'closed'): void;
  /** Registers an RSA public key (PEM) as a Public Key credential, as `POST accounts.twilio.com/v1/Credentials/PublicKeys` does; returns its CR… sid. */
  registerPublicKey(pem: string, options?: { accountSid?: string; friendlyName?: string }): string;
  /**
   * Switches Voice Recording Encryption on for an account's completed recordings (or `options.sids`):
   * each gets its own content key, wrapped with the configured key, or with the most recently added
   * valid key when that one is invalid (Twilio's 16107 fallback). Returns the sid of the key used.
   */
  encryptRecordings(accountSid: string, options?: EncryptOptions): string;
  /** Marks a public key invalid, so that recordings encrypted afterwards fall back to another key. */
  invalidatePublicKey(sid: string): void;
  /** A recording whose encryption failed: no media, error 16104 (its status is UNVERIFIED: absent here). */
  failEncryption(sid: string): void;
  cdnHost: string;
  close(): Promise<void>;
}

/** Generated recordings for the accounts the options name, each account created before its oldest one. */
function generatedRecordings(
  accounts: AccountRegistry,
  options: GeneratedAccountsOptions,
  seed: number,
  nowMs: number,
): GeneratedRecordings {
  const which = options.accounts ?? 'parent';
  const chosen =
    which === 'parent' ? [accounts.parent] : which === 'subaccounts' ? accounts.subaccounts : accounts.all();
  const generated = new GeneratedRecordings(
    chosen.map((a) => a.sid),
    options,
    options.seed ?? seed,
    nowMs,
  );
  // Twilio has no recording older than its account.
  for (const account of accounts.all()) {
    account.createdMs = Math.min(account.createdMs, generated.oldestMs - 86_400_000);
  }
  return generated;
}

export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const seed = options.seed ?? 1;
  const nowMs = Date.now();
  const accounts = new AccountRegistry(seed, options.subaccounts ?? 2, nowMs);
  const generated = options.generated && generatedRecordings(accounts, options.generated, seed, nowMs);
  const store = new RecordingStore<SeedOptions>(new RecordingSeeder(accounts), generated);
  if (options.recordings !== undefined) {
    const seedOptions: SeedOptions =
      typeof options.recordings === 'number' ? { seed, count: options.recordings } : { seed, ...options.recordings };
    const storedAccounts = accounts
      .all()
      .map((a) => a.sid)
      .filter((sid) => !generated?.holds(sid));
    if (storedAccounts.length === 0) throw new Error('Every account holds generated recordings: none is left to seed');
    store.seedRecordings({ accountSids: storedAccounts, ...seedOptions });
  }

  let knobs: Knobs = { ...DEFAULT_KNOBS, ...options.knobs };
  const counters = createCounters();
  const cdnHost = (options.cdnHost ?? 'media.twiliocdn.test').toLowerCase();
  let port = 0;
  const encryption = new EncryptionRegistry(accounts, seed);
  const state: SandboxState = {
    accounts,
    store,
    counters,
    cdnSigner: new CdnSigner(),
    cdnHost,
    encryption,
    knobs: () => knobs,
    directOrigin: () => `http://127.0.0.1:${port}`,
  };

  const ca = new CertificateAuthority();
  const caDir = mkdtempSync(join(tmpdir(), 'recordings-sandbox-'));
  const caCertPath = join(caDir, 'ca.pem');
  writeFileSync(caCertPath, ca.caCertPem);

  const server = new SandboxServer(state, ca);
  port = await server.listen(options.port ?? 0);
  const url = `http://127.0.0.1:${port}`;

  return {
    port,
    url,
    caCertPath,
    caCertPem: ca.caCertPem,
    env: { HTTPS_PROXY: url, HTTP_PROXY: url, NODE_EXTRA_CA_CERTS: caCertPath, NO_PROXY: '' },
    account: {
      sid: accounts.parent.sid,
      authToken: accounts.parent.authToken,
      apiKeySid: accounts.parentKey.sid,
      apiKeySecret: accounts.parentKey.secret,
    },
    subaccounts: accounts.subaccounts.map((a) => ({ sid: a.sid, authToken: a.authToken })),
    store,
    get knobs() {
      return knobs;
    },
    setKnobs(partial: Partial<Knobs>) {
      knobs = { ...knobs, ...partial };
      server.onKnobsChanged(partial);
    },
    counters,
    resetCounters: () => resetCounters(counters),
    setAccountStatus: (sid, status) => accounts.setStatus(sid, status),
    registerPublicKey: (pem, keyOptions = {}) =>
      encryption.register(
        keyOptions.accountSid ?? accounts.parent.sid,
        pem,
        keyOptions.friendlyName ?? null,
        Date.now(),
      ).sid,
    encryptRecordings: (accountSid, encryptOptions) =>
      encryption.encrypt(store.recordings(accountSid), accountSid, encryptOptions).sid,
    invalidatePublicKey: (sid) => encryption.invalidate(sid),
    failEncryption(sid) {
      const recording = store.getRecording(sid);
      if (!recording) throw new Error(`no recording ${sid}`);
      recording.status = 'absent';
      recording.errorCode = 16104;
      recording.price = null;
    },
    cdnHost,
    async close() {
      await server.close();
      rmSync(caDir, { recursive: true, force: true });
    },
  };
}
