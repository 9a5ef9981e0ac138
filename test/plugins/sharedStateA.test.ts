import { describe, it } from 'vitest';
import { expectSharedCounters } from './shared-state.js';

describe('sharedStateA', () => {
  it('its three callbacks share one set of counters', () => expectSharedCounters('sharedStateA'));
});
