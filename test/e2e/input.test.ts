import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, truncateSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TwilioWorld, type TwilioRun } from './twilio-world';
import { expectOneLineFailure } from './one-line-failure';
import { MINUTE, DAY } from '../support/time';

const ISO = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z/;

describe('hostile and ambiguous input (twilio binary)', function () {
  this.timeout(180_000);
  let world: TwilioWorld;

  before(async () => {
    world = await TwilioWorld.start({ subaccounts: 0 });
  });
  after(() => world.close());

  const twilio = (args: string[]) => world.run(args, { env: world.authTokenEnv });
  const add = (daysAgo: number, status: 'completed' | 'absent' | 'processing' = 'completed', minutesLater = 0) =>
    world.sandbox.store.addRecording({
      dateCreated: Date.now() - daysAgo * DAY + minutesLater * MINUTE,
      durationSeconds: 600,
      status,
    }).sid;
  const statusOf = (sid: string) => world.sandbox.store.getRecording(sid)?.status;

  describe('refuses, in one line with exit 2 and before calling Twilio', () => {
    const refusals: Array<[string[], RegExp]> = [
      [
        ['recordings:purge', '--older-than', '6M', '--force'],
        /"6M": units are case-sensitive: use 6mo for months or 6m for minutes/,
      ],
      [['recordings:list', '--newer-than', '30D'], /"30D": units are case-sensitive: use 30d/],
      [['recordings:download', '--older-than', '1Y', '--dry-run'], /"1Y": units are case-sensitive: use 1y/],
      [['recordings:purge', '--older-than', '99999999y', '--force'], /"99999999y": it is longer than 10000y/],
      [
        ['recordings:purge', '--older-than', '3000y', '--force'],
        /"3000y": from now it reaches back before the year 0000/,
      ],
      [['recordings:list', '--newer-than', '2100y'], /"2100y": from now it reaches back before the year 0000/],
      [['recordings:list', '--older-than', '1e3d'], /Invalid --older-than "1e3d": use a number and a unit/],
      [['recordings:list', '--older-than', '0.0001s'], /greater than zero/],
      [['recordings:list', '--older-than', `1${'0'.repeat(400)}d`], /it is longer than 10000y/],
      [['recordings:purge', '--before', '9999-12-31T23:00:00-05:00', '--force'], /out of the years 0000 to 9999/],
      [['recordings:list', '--after', '+010000-01-01'], /Invalid --after/],
      [
        ['recordings:list', '--limit', '5', '--no-limit'],
        /^ » --no-limit and --limit cannot be used together; run "twilio recordings:list --help"/,
      ],
      [
        ['recordings:purge', '--older-than', '1d', '--limit', '5', '--no-limit'],
        /--no-limit and --limit cannot be used together/,
      ],
      [
        ['recordings:list', '--limit', '0'],
        /Invalid --limit: expected an integer greater than or equal to 1 but received: 0/,
      ],
      [['recordings:list', '--limit', '2.5'], /Invalid --limit: expected an integer but received: 2\.5/],
      [
        ['recordings:download', '--concurrency', '101'],
        /Invalid --concurrency: expected an integer less than or equal to 100/,
      ],
      [['recordings:purge', '--older-than', '1d', '--concurrency', '-1'], /Invalid --concurrency/],
      [['recordings:download', '--format', 'ogg'], /Expected --format=ogg to be one of: wav, mp3/],
      [['recordings:list', '--status', 'Completed'], /Expected --status=Completed to be one of: in-progress, paused/],
      [['recordings:list', 'extra'], /Unexpected argument: extra; run "twilio recordings:list --help"/],
      [
        ['recordings:callbacks:listen', '--port', '70000'],
        /Invalid --port: expected an integer less than or equal to 65535/,
      ],
      [['recordings:callbacks:listen', '--port', 'http'], /Invalid --port: expected an integer but received: http/],
      [
        ['recordings:callbacks:listen', '--delete-after-download'],
        /All of the following must be provided when using --delete-after-download: --download-dir/,
      ],
      [
        ['recordings:callbacks:listen', '--tunnel', 'ngrok', '--public-url', 'https://hooks.example.com'],
        /--public-url and --tunnel cannot be used together|--tunnel and --public-url cannot be used together/,
      ],
      [
        ['recordings:callbacks:send', 'http://127.0.0.1:9/x', '--method', 'PUT'],
        /Expected --method=PUT to be one of: POST, GET/,
      ],
    ];
    for (const [args, message] of refusals) {
      it(args.join(' ').slice(0, 90), async () => {
        const kept = add(400);
        world.sandbox.resetCounters();
        expectOneLineFailure(await twilio(args), 2, message);
        expect(world.sandbox.counters.requests.total).to.equal(0);
        expect(statusOf(kept)).to.equal('completed');
      });
    }
  });

  it('lists far windows without a day filter Twilio refuses, and still applies them exactly', async () => {
    const sid = add(500);
    world.sandbox.resetCounters();
    for (const args of [
      ['--before', '9999-12-31'],
      ['--after', '0001-01-01', '--before', '9999-12-31T23:59:59.999Z'],
      ['--after', '0050-01-01'],
      ['--newer-than', '1000y'],
    ]) {
      const run = await twilio(['recordings:list', ...args, '--no-limit', '-o', 'json']);
      expect(run.status, run.stderr).to.equal(0);
      expect((JSON.parse(run.stdout) as Array<{ sid: string }>).map((r) => r.sid)).to.include(sid);
    }
    const nothing = await twilio(['recordings:list', '--before', '0099-01-01', '--no-limit', '-o', 'json']);
    expect(nothing.status, nothing.stderr).to.equal(0);
    expect(JSON.parse(nothing.stdout)).to.deep.equal([]);
    expect(nothing.stderr).to.include('Selection window: recordings created before 0099-01-01T00:00:00.000Z.');
    expect(world.sandbox.counters.responses['400'] ?? 0).to.equal(0);
  });

  it('shows the exact UTC cut-off in the purge plan and in the list summary', async () => {
    add(100);
    const started = Date.now();
    const plan = await twilio(['recordings:purge', '--older-than', '90d', '--dry-run']);
    const listed = await twilio(['recordings:list', '--older-than', '90d', '--newer-than', '1y']);
    const finished = Date.now();
    for (const run of [plan, listed]) {
      expect(run.status, run.stderr).to.equal(0);
      const cutoff = new RegExp(`created (?:at or after ${ISO.source} and )?before (${ISO.source})`).exec(run.stderr);
      expect(cutoff, run.stderr).to.not.equal(null);
      expect(Date.parse(cutoff![1])).to.be.within(started - 90 * DAY - 60_000, finished - 90 * DAY);
    }
    expect(listed.stderr).to.match(
      new RegExp(`Selection window: recordings created at or after ${ISO.source} and before`),
    );
  });

  it('applies a purge --limit to the recordings it deletes, so recordings kept at the head never stall it', async () => {
    const scope = ['--before', new Date(Date.now() - 1000 * DAY).toISOString()];
    // Newest first in Twilio's order: three kept recordings, then three to delete.
    const kept = [add(1001, 'absent'), add(1001, 'processing', -1), add(1001, 'absent', -2)];
    const toDelete = [add(1002), add(1002, 'completed', -1), add(1002, 'completed', -2)];

    const first = await twilio(['recordings:purge', ...scope, '--limit', '2', '--force']);
    expect(first.status, first.stderr).to.equal(0);
    expect(first.stderr).to.include('Purge plan: delete 2 recordings');
    expect(first.stderr).to.include('Stopped at --limit 2: more completed recordings match');
    expect(toDelete.map(statusOf)).to.deep.equal(['deleted', 'deleted', 'completed']);

    const second = await twilio(['recordings:purge', ...scope, '--limit', '2', '--force']);
    expect(second.status, second.stderr).to.equal(0);
    expect(second.stderr).to.include('Purge plan: delete 1 recording');
    expect(second.stderr).not.to.include('Stopped at --limit');
    expect(toDelete.map(statusOf)).to.deep.equal(['deleted', 'deleted', 'deleted']);
    expect(kept.map(statusOf)).to.deep.equal(['absent', 'processing', 'absent']);
  });

  it('takes --no-limit on list, download and purge', async () => {
    const scope = ['--before', new Date(Date.now() - 2000 * DAY).toISOString()];
    const sids = [add(2001), add(2002), add(2003)];
    const listed = await twilio(['recordings:list', ...scope, '--no-limit', '-o', 'json']);
    expect(listed.status, listed.stderr).to.equal(0);
    expect(JSON.parse(listed.stdout)).to.have.length(3);

    const cwd = mkdtempSync(join(tmpdir(), 'no-limit-'));
    const downloaded = await world.run(['recordings:download', ...scope, '--no-limit', '--dry-run'], {
      env: world.authTokenEnv,
      cwd,
    });
    expect(downloaded.status, downloaded.stderr).to.equal(0);
    expect(downloaded.stderr).to.include('Would download 3 recordings');

    const purged = await twilio(['recordings:purge', ...scope, '--no-limit', '--force']);
    expect(purged.status, purged.stderr).to.equal(0);
    expect(sids.map(statusOf)).to.deep.equal(['deleted', 'deleted', 'deleted']);
  });

  it('says when --limit cut a listing short, and prices list and purge with the same words', async () => {
    const scope = ['--before', new Date(Date.now() - 3000 * DAY).toISOString()];
    add(3001);
    add(3002);
    add(3003);
    const cut = await twilio(['recordings:list', ...scope, '--limit', '2']);
    expect(cut.status, cut.stderr).to.equal(0);
    expect(cut.stderr).to.include('Stopped at --limit 2: more recordings match');

    const listed = await twilio(['recordings:list', ...scope, '--no-limit']);
    const plan = await twilio(['recordings:purge', ...scope, '--dry-run']);
    expect(listed.stderr).not.to.include('Stopped at --limit');
    const cost =
      "at most $0.0150 a month, if the account's recordings, subaccounts included, exceed the 10,000 free minutes " +
      '($0.0005 per minute-month beyond them).';
    expect(listed.stderr).to.include(`Storing them costs ${cost}`);
    expect(plan.stderr).to.include(`Deleting them saves ${cost}`);
  });

  describe('input files: bounded, regular, and never waited on', () => {
    const dir = () => {
      const path = join(world.home, 'input-files');
      mkdirSync(path, { recursive: true });
      return path;
    };
    const file = (name: string, text: string) => {
      const path = join(dir(), name);
      writeFileSync(path, text);
      return path;
    };
    const fifo = (name: string) => {
      const path = join(dir(), name);
      execFileSync('mkfifo', [path]);
      return path;
    };
    // Each would hang or run for minutes without the bounds: a run still going after 30 s has failed.
    const bounded = (args: string[], spawn = false) =>
      world.run(args, { env: world.authTokenEnv, timeoutMs: 30_000, spawn });
    const expectRefusedUnasked = (run: TwilioRun, message: RegExp) => {
      expectOneLineFailure(run, 2, message);
      expect(world.sandbox.counters.requests.total).to.equal(0);
    };
    beforeEach(() => world.sandbox.resetCounters());

    it('refuses a 50 MB policy at once, before reading it whole', async () => {
      const path = join(dir(), 'huge.yml');
      const handle = openSync(path, 'w');
      writeSync(handle, 'rules:\n  - name: default\n    keep: 90d\n');
      const padding = `# ${'x'.repeat(1022)}\n`.repeat(1024);
      for (let mib = 0; mib < 50; mib += 1) writeSync(handle, padding);
      closeSync(handle);
      for (const command of [
        ['recordings:purge', '--policy', path, '--dry-run'],
        ['recordings:usage', '--policy', path],
      ]) {
        expectRefusedUnasked(await bounded(command), /huge\.yml is larger than 4 MiB, the most a policy file may be/);
      }
    });

    it('refuses a holds file over 4 MiB and a plan over 64 MiB', async () => {
      const holds = file('big-holds.json', `{"version": 1, "holds": []}${' '.repeat(4 * 1024 * 1024)}`);
      expectRefusedUnasked(
        await bounded(['recordings:holds:list', '--holds', holds]),
        /big-holds\.json is larger than 4 MiB, the most a holds file may be/,
      );
      expectRefusedUnasked(
        await bounded(['recordings:purge', '--older-than', '1d', '--holds', holds, '--force']),
        /larger than 4 MiB/,
      );
      const plan = file('big-plan.json', '');
      truncateSync(plan, 64 * 1024 * 1024 + 1);
      expectRefusedUnasked(
        await bounded(['recordings:purge', '--plan', plan, '--force']),
        /big-plan\.json is larger than 64 MiB, the most a plan may be/,
      );
    });

    it('refuses a YAML alias bomb in a policy or a holds file, in one line', async () => {
      const levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
      for (const name of 'bcdefghi') {
        const previous = String.fromCharCode(name.charCodeAt(0) - 1);
        levels.push(`${name}: &${name} [${Array(9).fill(`*${previous}`).join(',')}]`);
      }
      const policy = file('bomb.yml', `${levels.join('\n')}\nrules:\n  - name: default\n    keep: 90d\n`);
      expectRefusedUnasked(
        await bounded(['recordings:purge', '--policy', policy, '--dry-run']),
        /bomb\.yml: its YAML aliases expand to more than 100 copies: write the values out instead/,
      );
      const many = `a: &a lol\nb: [${Array(101).fill('*a').join(',')}]\nversion: 1\nholds: []\n`;
      expectRefusedUnasked(
        await bounded(['recordings:holds:list', '--holds', file('aliases.yml', many)]),
        /aliases\.yml:2:\d+: more than 100 YAML aliases: write the values out instead/,
      );
    });

    it('refuses a FIFO as --policy, --holds, --plan or --replay without waiting for a writer', async () => {
      const pipe = fifo('input.fifo');
      for (const command of [
        ['recordings:purge', '--policy', pipe, '--dry-run'],
        ['recordings:usage', '--policy', pipe],
        ['recordings:purge', '--older-than', '1d', '--holds', pipe, '--force'],
        ['recordings:holds:list', '--holds', pipe],
        ['recordings:holds:add', '--sid', `RE${'a'.repeat(32)}`, '--reason', 'x', '--holds', pipe],
        ['recordings:purge', '--plan', pipe, '--force'],
        ['recordings:callbacks:send', 'http://127.0.0.1:9/recording-status', '--replay', pipe],
      ]) {
        // A process, which the bound can kill: a FIFO opened for reading would hold a thread of this one.
        expectRefusedUnasked(await bounded(command, true), /input\.fifo is not a regular file: name a file/);
      }
    });

    for (const [what, command] of [
      ['a purge waiting for the accounts its policy names', ['recordings:purge', '--dry-run', '--policy']],
      ['a purge waiting for a page of its selection', ['recordings:purge', '--older-than', '1d', '--dry-run']],
      ['usage waiting for a page of its selection', ['recordings:usage']],
    ] as const) {
      it(`ends ${what} on one SIGTERM while Twilio has not answered, exit 3`, async () => {
        const policy = file(
          'accounts.yml',
          `rules:\n  - name: parent\n    match: { account: ${world.sandbox.account.sid} }\n    keep: 90d\n  - name: default\n    keep: 1y\n`,
        );
        add(400);
        world.sandbox.setKnobs({ holdAfterRequests: 0 });
        try {
          const args = command[command.length - 1] === '--policy' ? [...command, policy] : [...command];
          const running = world.start(args, { env: world.authTokenEnv, timeoutMs: 60_000 });
          for (const deadline = Date.now() + 30_000; world.sandbox.counters.held === 0;) {
            if (Date.now() > deadline) throw new Error('the command never asked Twilio anything');
            await new Promise((resolve) => setTimeout(resolve, 20));
          }
          running.child.kill('SIGTERM');
          const run = await running.done;
          // The request is held until the knob is reset, so only the signal can end the command with 3: before, the
          // first SIGTERM only said "stopping" while the request waited until the world's timeout killed it.
          expect(run.status, run.stderr).to.equal(3);
          expect(run.stderr).to.include('SIGTERM: stopping');
          expect(run.stderr).not.to.match(/unexpected error|\n\s+at /);
        } finally {
          world.sandbox.setKnobs({ holdAfterRequests: null });
        }
      });
    }
  });
});
