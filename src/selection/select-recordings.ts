import { TwilioApiError } from '../errors';
import { recordingFromApi, type ApiRecording, type Recording } from '../recordings/recording';
import { API_VERSION_PATH, recordingPath, type TwilioApi } from '../twilio/twilio-api';
import { countsTowardLimit, matchesCriteria, twilioListQuery, type SelectionCriteria } from './criteria';

/** The recordings of one account that one page of Twilio's list yielded, after exact filtering. */
export interface RecordingPage {
  accountSid: string;
  recordings: Recording[];
  /** On the last page only, when --limit stopped the selection while more recordings matched: the limit. */
  stoppedAtLimit?: number;
}

export interface SelectionEvents {
  /** A `--sid` that no selected account has. */
  onSidNotFound?(sid: string): void;
}

interface ListEnvelope {
  recordings: ApiRecording[];
  next_page_uri: string | null;
}

interface AccountsEnvelope {
  accounts: Array<{ sid: string; status: string }>;
  next_page_uri: string | null;
}

/** The account acted on, then, when asked, each of its subaccounts that is not closed. */
async function selectAccounts(api: TwilioApi, includeSubaccounts: boolean): Promise<string[]> {
  const accounts = [api.accountSid];
  if (!includeSubaccounts) return accounts;
  let next: string | null = `${API_VERSION_PATH}/Accounts.json?PageSize=1000`;
  while (next) {
    const page: AccountsEnvelope = await api.getJson<AccountsEnvelope>(next);
    for (const account of page.accounts) {
      if (account.status !== 'closed' && !accounts.includes(account.sid)) accounts.push(account.sid);
    }
    next = page.next_page_uri;
  }
  return accounts;
}

/**
 * Streams the selected recordings page by page: Twilio's coarse filters narrow each list
 * request and the exact criteria decide; no more than one page is held at a time. Once
 * --limit recordings are in, it reads on only to learn whether more would have counted,
 * and says so on a last page.
 */
export async function* selectRecordingPages(
  api: TwilioApi,
  criteria: SelectionCriteria,
  events: SelectionEvents = {},
): AsyncGenerator<RecordingPage> {
  const accounts = await selectAccounts(api, criteria.includeSubaccounts);
  const limit = criteria.limit ?? Number.POSITIVE_INFINITY;
  let counted = 0;
  const source = criteria.sids ? fetchBySid(api, accounts, criteria, events) : listPages(api, accounts, criteria);
  for await (const page of source) {
    const recordings: Recording[] = [];
    for (const recording of page.recordings) {
      if (!matchesCriteria(recording, criteria)) continue;
      const counts = countsTowardLimit(recording, criteria);
      if (counted >= limit) {
        if (!counts) continue;
        yield { accountSid: page.accountSid, recordings, stoppedAtLimit: limit };
        return;
      }
      recordings.push(recording);
      if (counts) counted += 1;
    }
    if (recordings.length > 0) yield { accountSid: page.accountSid, recordings };
  }
}

/** The selected recordings one at a time. */
export async function* selectRecordings(
  api: TwilioApi,
  criteria: SelectionCriteria,
  events: SelectionEvents = {},
): AsyncGenerator<Recording> {
  for await (const page of selectRecordingPages(api, criteria, events)) yield* page.recordings;
}

async function* listPages(
  api: TwilioApi,
  accounts: string[],
  criteria: SelectionCriteria,
): AsyncGenerator<RecordingPage> {
  const query = twilioListQuery(criteria);
  for (const accountSid of accounts) {
    let next: string | null = api.url(`${API_VERSION_PATH}/Accounts/${accountSid}/Recordings.json`, query);
    while (next) {
      const page: ListEnvelope = await api.getJson<ListEnvelope>(next);
      yield { accountSid, recordings: page.recordings.map(recordingFromApi) };
      next = page.next_page_uri;
    }
  }
}

async function* fetchBySid(
  api: TwilioApi,
  accounts: string[],
  criteria: SelectionCriteria,
  events: SelectionEvents,
): AsyncGenerator<RecordingPage> {
  const includeDeleted = criteria.statuses?.includes('deleted') ? 'true' : undefined;
  for (const sid of criteria.sids ?? []) {
    let found = false;
    for (const accountSid of accounts) {
      const recording = await fetchRecording(api, accountSid, sid, includeDeleted);
      if (recording) {
        found = true;
        yield { accountSid, recordings: [recording] };
        break;
      }
    }
    if (!found) events.onSidNotFound?.(sid);
  }
}

async function fetchRecording(
  api: TwilioApi,
  accountSid: string,
  sid: string,
  includeSoftDeleted?: string,
): Promise<Recording | undefined> {
  try {
    const json = await api.getJson<ApiRecording>(`${recordingPath(accountSid, sid)}.json`, {
      IncludeSoftDeleted: includeSoftDeleted,
    });
    return recordingFromApi(json);
  } catch (error) {
    if (error instanceof TwilioApiError && error.httpStatus === 404) return undefined;
    throw error;
  }
}
