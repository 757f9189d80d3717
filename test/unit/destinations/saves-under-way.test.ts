import { expect } from 'chai';
import { SavesUnderWay } from '../../../src/destinations/saves-under-way';

/** A save that ends when the test says so, counting how often it was begun. */
function controlledSave() {
  let begun = 0;
  let finish: (value: string) => void = () => undefined;
  let fail: (error: Error) => void = () => undefined;
  const save = () => {
    begun += 1;
    return new Promise<string>((resolve, reject) => {
      finish = resolve;
      fail = reject;
    });
  };
  return { save, begun: () => begun, finish: (value: string) => finish(value), fail: (error: Error) => fail(error) };
}

describe('SavesUnderWay', () => {
  it('begins one save for a recording asked for twice at once, and gives both callers its outcome', async () => {
    const saves = new SavesUnderWay<string>();
    const controlled = controlledSave();
    const first = saves.once('RE1', controlled.save);
    const second = saves.once('RE1', controlled.save);
    controlled.finish('saved');
    expect(await Promise.all([first, second])).to.deep.equal(['saved', 'saved']);
    expect(controlled.begun()).to.equal(1);
  });

  it('begins a new save for a recording asked for again after its save ended', async () => {
    const saves = new SavesUnderWay<string>();
    const controlled = controlledSave();
    const first = saves.once('RE1', controlled.save);
    controlled.fail(new Error('the connection broke'));
    await first.catch(() => undefined);
    const again = saves.once('RE1', controlled.save);
    controlled.finish('saved');
    expect(await again).to.equal('saved');
    expect(controlled.begun()).to.equal(2);
  });

  it('saves different recordings apart', () => {
    const saves = new SavesUnderWay<string>();
    const controlled = controlledSave();
    void saves.once('RE1', controlled.save);
    void saves.once('RE2', controlled.save);
    expect(controlled.begun()).to.equal(2);
  });

  it('settles once every save under way has ended, failed ones included', async () => {
    const saves = new SavesUnderWay<string>();
    const controlled = controlledSave();
    saves.once('RE1', controlled.save).catch(() => undefined);
    let settled = false;
    const settling = saves.settled().then(() => (settled = true));
    await Promise.resolve();
    expect(settled).to.equal(false);
    controlled.fail(new Error('the disk is full'));
    await settling;
    expect(settled).to.equal(true);
  });
});
