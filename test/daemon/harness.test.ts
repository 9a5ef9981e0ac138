// The harness's own promise: what a child wrote is all there when its exit code is. A CLI that
// refuses a config writes one stderr line and exits at once; reading on 'exit' lost that line
// now and then (the trust tests saw exit 1 with an empty stderr).
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { collect } from './harness.js';

describe('collect', () => {
  it("has the one line a child wrote just before it exited, every time (reading on 'exit' lost some)", async () => {
    // A shell, not node: cheap enough to start hundreds.
    for (let round = 0; round < 4; round++) {
      const runs = await Promise.all(Array.from({ length: 50 }, () => collect(spawn('/bin/sh', ['-c', 'echo refused >&2; exit 1']))));
      expect(runs.filter((r) => r.code !== 1 || r.stderr !== 'refused\n')).toEqual([]);
    }
  });
});
