import type { IncomingMessage, ServerResponse } from 'node:http';

import type { AccountRegistry } from './accounts';
import type { CdnSigner } from './cdn-signer';
import type { Counters } from './counters';
import type { EncryptionRegistry } from './encryption';
import type { FaultDecision } from './faults';
import type { Knobs } from './knobs';
import type { RecordingStore } from './recording-store';
import type { SeedOptions } from './seed';

/** How a request reached the sandbox. */
export type Transport = 'direct' | 'tunnel' | 'absolute';

/** The sandbox's shared state, as route handlers see it. */
export interface SandboxState {
  accounts: AccountRegistry;
  store: RecordingStore<SeedOptions>;
  counters: Counters;
  cdnSigner: CdnSigner;
  cdnHost: string;
  encryption: EncryptionRegistry;
  knobs(): Knobs;
  /** http://127.0.0.1:PORT */
  directOrigin(): string;
}

export interface RequestContext {
  req: IncomingMessage;
  res: ServerResponse;
  method: string;
  /** Path without query string, e.g. /2010-04-01/Accounts.json */
  path: string;
  query: URLSearchParams;
  transport: Transport;
  fault: FaultDecision;
}
