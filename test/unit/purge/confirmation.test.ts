import { expect } from 'chai';
import { CancelledError } from '../../../src/errors';
import { confirmPurge } from '../../../src/purge/confirmation';
import { PurgePlan } from '../../../src/purge/purge-plan';

describe('confirmPurge', () => {
  const plan = new PurgePlan();
  plan.add('AC1', { status: 'completed', duration: 60, dateCreated: new Date('2026-01-01T00:00:00Z') });
  plan.add('AC1', { status: 'completed', duration: 60, dateCreated: new Date('2026-01-02T00:00:00Z') });
  const questions: string[] = [];
  const answering = (answer: boolean) => async (message: string) => {
    questions.push(message);
    return answer;
  };

  beforeEach(() => (questions.length = 0));

  it('asks nothing with --force', async () => {
    await confirmPurge(plan, { force: true, interactive: false, archiving: false, ask: answering(false) });
    expect(questions).to.deep.equal([]);
  });

  it('refuses without a terminal, telling to add --force (exit 3)', async () => {
    const error = await confirmPurge(plan, {
      force: false,
      interactive: false,
      archiving: false,
      ask: answering(true),
    }).catch((caught: unknown) => caught);
    expect(error).to.be.instanceOf(CancelledError).with.property('exitStatus', 3);
    expect((error as Error).message).to.include('Add --force');
    expect(questions).to.deep.equal([]);
  });

  it('asks once, naming the count, and goes on only on yes', async () => {
    await confirmPurge(plan, { force: false, interactive: true, archiving: true, ask: answering(true) });
    expect(questions).to.deep.equal([
      'Archive, then delete 2 recordings from Twilio? Their media cannot be recovered once deleted.',
    ]);
    const error = await confirmPurge(plan, {
      force: false,
      interactive: true,
      archiving: false,
      ask: answering(false),
    }).catch((caught: unknown) => caught);
    expect(error).to.be.instanceOf(CancelledError);
    expect(questions[1]).to.match(/^Delete 2 recordings from Twilio\?/);
  });

  it('answers no for the user when stopped while asking (exit 3)', async () => {
    const stop = new AbortController();
    const never = (message: string) => {
      questions.push(message);
      stop.abort();
      return new Promise<boolean>(() => undefined);
    };
    const error = await confirmPurge(plan, {
      force: false,
      interactive: true,
      archiving: false,
      ask: never,
      stop: stop.signal,
    }).catch((caught: unknown) => caught);
    expect(error).to.be.instanceOf(CancelledError);
    expect((error as Error).message).to.equal('Nothing deleted: the purge was not confirmed.');
  });

  it('refuses a forced purge stopped before it began (exit 3)', async () => {
    const stop = new AbortController();
    stop.abort();
    const error = await confirmPurge(plan, {
      force: true,
      interactive: false,
      archiving: false,
      ask: answering(true),
      stop: stop.signal,
    }).catch((caught: unknown) => caught);
    expect(error).to.be.instanceOf(CancelledError);
    expect((error as Error).message).to.equal('Nothing deleted: the purge was stopped before it began.');
  });
});
