// The pickle reader against pickles made by python3 itself, as the original daemon saves its
// eventIdFile (pickle.dump of {folder: {plugin: (lastId, {id: datetime})}}), every protocol.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { PickleError, PyDateTime, PyTuple, readPickle } from '../../electron/engine/pickle.js';
import { cursorFor, parseOriginalState } from '../../electron/engine/pickle-import.js';

const py = (code: string): Buffer => execFileSync('python3', ['-c', `import sys, pickle, datetime\n${code}`]);

const DAEMON_STATE = `state = {
  '/srv/plugins': {'a': (120, {}), 'b': (118, {119: datetime.datetime(2031, 5, 6, 7, 8, 9, 123456)}), 'big': (2**40, {})},
  '/old/plugins': {'c': 77, 'a': (5, {})},
}`;

describe('readPickle', () => {
  it.each([0, 1, 2, 3, 4, 5])('reads the daemon state written with protocol %i', (protocol) => {
    const buf = py(`${DAEMON_STATE}\nsys.stdout.buffer.write(pickle.dumps(state, protocol=${protocol}))`);
    const s = parseOriginalState(buf, 'f');
    expect(s.kind).toBe('collections');
    expect(cursorFor(s, '/srv/plugins', 'a')).toEqual({ lastId: 120, backlog: [] });
    const b = cursorFor(s, '/srv/plugins', 'b')!;
    expect(b.lastId).toBe(118);
    expect(b.backlog.map((x) => x.id)).toEqual([119]);
    expect(b.backlog[0]!.expiresAt).toBe(new Date(2031, 4, 6, 7, 8, 9, 123).getTime());
    expect(cursorFor(s, '/srv/plugins', 'big')!.lastId).toBe(2 ** 40);
    // Not in its own folder: the highest id the name has anywhere, as the original.
    expect(cursorFor(s, '/elsewhere', 'c')).toEqual({ lastId: 77, backlog: [] });
    expect(cursorFor(s, '/elsewhere', 'a')!.lastId).toBe(120);
    expect(cursorFor(s, '/srv/plugins', 'nope')).toBeNull();
  });

  it('keeps tuples, lists, strings, floats, bools, bytes, negative and huge ints apart', () => {
    const v = readPickle(
      py(
        `sys.stdout.buffer.write(pickle.dumps({'t': (1, 'x'), 'l': [True, False, None], 'f': 1.5, 'n': -70000, 'h': 2**80, 'b': b'\\x00\\xff', 'u': 'é✓'}, protocol=2))`,
      ),
    );
    const m = v as Map<string, unknown>;
    expect(m.get('t')).toBeInstanceOf(PyTuple);
    expect([...(m.get('t') as PyTuple)]).toEqual([1, 'x']);
    expect(m.get('l')).toEqual([true, false, null]);
    expect(m.get('f')).toBe(1.5);
    expect(m.get('n')).toBe(-70000);
    expect(m.get('h')).toBe(2n ** 80n);
    expect([...(m.get('b') as Uint8Array)]).toEqual([0, 255]);
    expect(m.get('u')).toBe('é✓');
  });

  it('reads a datetime pickled with protocol 0 (quoted bytes)', () => {
    const v = readPickle(py(`sys.stdout.buffer.write(pickle.dumps(datetime.datetime(2030, 1, 2, 3, 4, 5), protocol=0))`));
    expect(v).toBeInstanceOf(PyDateTime);
    expect((v as PyDateTime).toEpochMs()).toBe(new Date(2030, 0, 2, 3, 4, 5).getTime());
  });

  it('refuses any other global, never running it', () => {
    const evil = py(
      `import os\nclass E:\n  def __reduce__(self): return (os.system, ('touch /tmp/pwned-by-pickle',))\nsys.stdout.buffer.write(pickle.dumps({'x': E()}, protocol=4))`,
    );
    expect(() => readPickle(evil)).toThrow(PickleError);
    expect(() => readPickle(evil)).toThrow(/refusing the global (posix|os)\.system/);
    expect(() => parseOriginalState(evil, 'ids.pickle')).toThrow(/ids\.pickle is neither the original daemon's pickled cursors/);
  });

  it('reads the legacy single-id file, and says what is wrong with anything else', () => {
    expect(parseOriginalState(Buffer.from('4242\n'), 'f')).toEqual({ kind: 'legacy', lastId: 4242 });
    expect(() => parseOriginalState(Buffer.from('{"version": 1}'), 'state.json')).toThrow(/state\.json is neither/);
    expect(() => parseOriginalState(py(`sys.stdout.buffer.write(pickle.dumps([1, 2]))`), 'f')).toThrow(
      /expected a dict of plugin folders, found a list/,
    );
    expect(() => readPickle(Buffer.from([0x80, 0x04, 0x7d]))).toThrow(/ends early|empty stack/);
  });
});
