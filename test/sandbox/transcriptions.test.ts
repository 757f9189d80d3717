import { expect } from 'chai';

import { startSandbox, type Sandbox } from '../../sandbox';
import { direct } from './http-client';

interface TranscriptionJson {
  sid: string;
  recording_sid: string;
  status: string;
  error_code: number | null;
}

describe('sandbox legacy transcriptions', function () {
  let sandbox: Sandbox;
  let auth: [string, string];
  let base: string;

  before(async function () {
    sandbox = await startSandbox({ seed: 3, subaccounts: 0 });
    auth = [sandbox.account.sid, sandbox.account.authToken];
    base = `/2010-04-01/Accounts/${sandbox.account.sid}`;
  });
  after(() => sandbox.close());

  /** A completed recording whose sid ends in `digit`, which decides its transcription's status. */
  function recordingEndingIn(digit: string): string {
    for (;;) {
      const { sid } = sandbox.store.addRecording({ durationSeconds: 30 });
      if (sid.endsWith(digit)) return sid;
    }
  }

  const transcriptionsOf = async (sid: string) =>
    (await direct(sandbox, `${base}/Recordings/${sid}/Transcriptions.json`, { auth })).json() as {
      transcriptions: TranscriptionJson[];
    };

  it('lists the transcription of a recording, completed, in progress or failed', async function () {
    for (const [digit, status] of [
      ['0', 'completed'],
      ['c', 'in-progress'],
      ['f', 'failed'],
    ]) {
      const sid = recordingEndingIn(digit);
      const [transcription] = (await transcriptionsOf(sid)).transcriptions;
      expect(transcription).to.include({ sid: `TR${sid.slice(2)}`, recording_sid: sid, status });
    }
  });

  it('fetches a transcription by its sid', async function () {
    const sid = recordingEndingIn('1');
    const reply = await direct(sandbox, `${base}/Transcriptions/TR${sid.slice(2)}.json`, { auth });
    expect(reply.status).to.equal(200);
    expect((reply.json() as TranscriptionJson).status).to.equal('completed');
  });

  it('fails a transcription in progress with warning 13618 once its recording is deleted', async function () {
    const sid = recordingEndingIn('d');
    expect((await transcriptionsOf(sid)).transcriptions[0].status).to.equal('in-progress');
    sandbox.store.deleteRecording(sid);
    expect((await transcriptionsOf(sid)).transcriptions[0]).to.include({ status: 'failed', error_code: 13618 });
  });

  it('has no transcription for a recording that is not completed', async function () {
    const { sid } = sandbox.store.addRecording({ status: 'absent', durationSeconds: 0 });
    expect((await transcriptionsOf(sid)).transcriptions).to.deep.equal([]);
  });
});
