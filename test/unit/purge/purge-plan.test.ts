import { expect } from 'chai';
import { BadInputError } from '../../../src/errors';
import { PurgePlan, purgePlanLines, requirePurgeBound } from '../../../src/purge/purge-plan';
import { buildCriteria } from '../../../src/selection/criteria';
import { DAY } from '../../support/time';

const SID = 'RE' + '0'.repeat(32);
const CALL = 'CA' + '1'.repeat(32);
const CONFERENCE = 'CF' + '2'.repeat(32);

describe('purge plan', () => {
  const now = new Date('2026-11-21T12:00:00Z');

  describe('requirePurgeBound', () => {
    it('refuses a selection with no bound, naming the flags that give one', () => {
      for (const input of [
        {},
        { newerThan: '7d' },
        { after: '2026-01-01' },
        { statuses: ['completed'] },
        { limit: 5 },
      ]) {
        expect(() => requirePurgeBound(buildCriteria(input, now)), JSON.stringify(input))
          .to.throw(BadInputError, /--older-than, --before, --sid, --call-sid or --conference-sid/)
          .with.property('exitStatus', 2);
      }
    });

    it('accepts each bound', () => {
      const bounded = [
        { olderThan: '30d' },
        { before: '2026-01-01' },
        { sids: [SID] },
        { callSid: CALL },
        { conferenceSid: CONFERENCE },
      ];
      for (const input of bounded) expect(() => requirePurgeBound(buildCriteria(input, now))).not.to.throw();
    });
  });

  describe('PurgePlan', () => {
    const created = (daysAgo: number) => new Date(now.getTime() - daysAgo * DAY);

    it('splits completed recordings (to delete) from the others (kept, counted by status), per account', () => {
      const plan = new PurgePlan();
      plan.add('AC1', { status: 'completed', duration: 61, dateCreated: created(40) });
      plan.add('AC1', { status: 'completed', duration: 30, dateCreated: created(35) });
      plan.add('AC1', { status: 'absent', duration: 0, dateCreated: created(50) });
      plan.add('AC2', { status: 'completed', duration: 600, dateCreated: created(90) });
      plan.add('AC2', { status: 'processing', duration: 10, dateCreated: created(31) });
      plan.add('AC2', { status: 'in-progress', duration: 0, dateCreated: created(32) });
      plan.add('AC2', { status: 'absent', duration: 0, dateCreated: created(33) });

      expect(plan.selected).to.equal(7);
      expect(plan.total.toDelete.count).to.equal(3);
      expect(plan.total.toDelete.minutes).to.equal(2 + 1 + 10);
      expect(plan.total.toDelete.oldest).to.deep.equal(created(90));
      expect(plan.total.toDelete.newest).to.deep.equal(created(35));
      expect(Object.fromEntries(plan.total.skippedByStatus)).to.deep.equal({
        absent: 2,
        processing: 1,
        'in-progress': 1,
      });

      const ac1 = plan.accounts.get('AC1')!;
      expect(ac1.toDelete.count).to.equal(2);
      expect(ac1.toDelete.minutes).to.equal(3);
      expect(Object.fromEntries(ac1.skippedByStatus)).to.deep.equal({ absent: 1 });
      const ac2 = plan.accounts.get('AC2')!;
      expect(ac2.toDelete.count).to.equal(1);
      expect(ac2.toDelete.minutes).to.equal(10);
      expect(ac2.skipped).to.equal(3);
    });

    it('shows counts, minutes, dates, accounts, kept statuses and the saving as an upper bound', () => {
      const plan = new PurgePlan();
      plan.add('AC1', { status: 'completed', duration: 60 * 1000, dateCreated: created(40) });
      plan.add('AC2', { status: 'completed', duration: 60 * 3000, dateCreated: created(100) });
      plan.add('AC2', { status: 'absent', duration: 0, dateCreated: created(50) });
      const text = purgePlanLines(plan).join('\n');
      expect(text).to.include('delete 2 recordings, 4,000 minutes');
      expect(text).to.include(created(100).toISOString());
      expect(text).to.include(created(40).toISOString());
      expect(text).to.match(/AC1: delete 1 recording, 1,000 minutes/);
      expect(text).to.match(/AC2: delete 1 recording, 3,000 minutes.*keep 1 absent/);
      expect(text).to.include('Keep 1 recording not completed: 1 absent');
      expect(text).to.include(
        "Deleting them saves at most $2.00 a month, if the account's recordings, subaccounts included, exceed the 10,000 free minutes",
      );
    });

    it('shows the exact UTC window the flags came to', () => {
      const plan = new PurgePlan();
      plan.add('AC1', { status: 'completed', duration: 60, dateCreated: created(200) });
      const lines = purgePlanLines(plan, buildCriteria({ olderThan: '6mo', after: '2026-01-01' }, now));
      expect(lines).to.include(
        'Selection window: recordings created at or after 2026-01-01T00:00:00.000Z and before 2026-05-25T12:00:00.000Z.',
      );
    });

    it('says when --limit left completed recordings out of the plan', () => {
      const plan = new PurgePlan();
      plan.add('AC1', { status: 'completed', duration: 60, dateCreated: created(200) });
      expect(purgePlanLines(plan).join('\n')).not.to.include('--limit');
      plan.stoppedAtLimit = 1;
      expect(purgePlanLines(plan).join('\n')).to.include(
        'Stopped at --limit 1: more completed recordings match; they are not in this plan',
      );
    });

    it('says when nothing matches, and in which window', () => {
      expect(purgePlanLines(new PurgePlan())).to.deep.equal(['No recording matches the selection: nothing to delete.']);
      expect(purgePlanLines(new PurgePlan(), buildCriteria({ before: '2026-01-01' }, now))).to.deep.equal([
        'Selection window: recordings created before 2026-01-01T00:00:00.000Z.',
        'No recording matches the selection: nothing to delete.',
      ]);
    });
  });
});
