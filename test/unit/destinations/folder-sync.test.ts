import { expect } from 'chai';
import { FolderSync } from '../../../src/destinations/folder-sync';

describe('FolderSync', () => {
  it('shares one fsync among callers that arrive while another runs, and never reuses a started one', async () => {
    const started: string[] = [];
    const finish: Array<() => void> = [];
    const folders = new FolderSync(
      (folder) =>
        new Promise<void>((resolve) => {
          started.push(folder);
          finish.push(resolve);
        }),
    );
    const first = folders.sync('a');
    await Promise.resolve();
    await Promise.resolve();
    expect(started).to.deep.equal(['a']);
    // Renames made while the first fsync runs may postdate it: they wait for one more, shared.
    const second = folders.sync('a');
    const third = folders.sync('a');
    expect(second).to.equal(third);
    const other = folders.sync('b');
    await new Promise((resolve) => setTimeout(resolve, 1));
    expect(started).to.deep.equal(['a', 'b']);
    finish[0]();
    await first;
    await new Promise((resolve) => setTimeout(resolve, 1));
    expect(started).to.deep.equal(['a', 'b', 'a']);
    finish[1]();
    finish[2]();
    await Promise.all([second, third, other]);
  });

  it('passes a failed fsync to everyone who waited for it, and recovers', async () => {
    let fail = true;
    const folders = new FolderSync(async () => {
      if (fail) throw new Error('EIO');
    });
    const [a, b] = [folders.sync('x'), folders.sync('x')];
    expect(await a.catch((e: Error) => e.message)).to.equal('EIO');
    expect(await b.catch((e: Error) => e.message)).to.equal('EIO');
    fail = false;
    await folders.sync('x');
  });
});
