// JSON:API-like record → flat shotgun_api3 record (docs/shotgrid-wire.md §1.4) and the two date-time shapes.
import { describe, expect, it } from 'vitest';
import { normalizeDateTime, parseDateTime, toIsoUtc } from '../../electron/shotgun/dates.js';
import { flattenRecord, flattenRecords } from '../../electron/shotgun/records.js';

describe('dates (§1.4, §6.6)', () => {
  it('keeps the read shape and converts the create/update shape', () => {
    expect(normalizeDateTime('2021-06-15T09:06:18Z')).toBe('2021-06-15T09:06:18Z');
    expect(normalizeDateTime('2021-06-16 08:55:00 UTC')).toBe('2021-06-16T08:55:00Z');
  });
  it('leaves dates, other strings and look-alikes alone', () => {
    for (const s of [
      '2021-06-15',
      'hello',
      '2021-06-15T09:06:18+02:00',
      '2021-06-15 09:06:18',
      '2021-06-15T09:06:18.5Z',
      'xxxx-xx-xxTxx:xx:xxZ',
      '2021-06-16 08:55:00 UTX',
    ]) {
      expect(normalizeDateTime(s), s).toBeUndefined();
    }
  });
  it('parses both shapes to the same epoch and formats Dates without milliseconds', () => {
    expect(parseDateTime('2021-06-16 08:55:00 UTC')).toBe(Date.UTC(2021, 5, 16, 8, 55, 0));
    expect(parseDateTime('2021-06-16T08:55:00Z')).toBe(Date.UTC(2021, 5, 16, 8, 55, 0));
    expect(parseDateTime('nope')).toBeNaN();
    expect(toIsoUtc(new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 999)))).toBe('2026-01-02T03:04:05Z');
    expect(() => toIsoUtc(new Date('garbage'))).toThrow(RangeError);
  });
});

describe('flattenRecord (§1.4)', () => {
  const rec = {
    type: 'Asset',
    id: 1412,
    attributes: {
      code: 'Test 1',
      created_at: '2021-06-15T09:06:18Z',
      updated_at: '2021-06-16 08:55:00 UTC',
      due: '2021-07-01',
      'entity.Shot.code': 'sh010',
      meta: { retirement_date: '2015-07-13 22:32:35 UTC', n: 1 },
      sg_count: 3,
      empty: null,
    },
    relationships: {
      created_by: { data: { id: 88, name: 'Jane', type: 'HumanUser' }, links: { self: '/x' } },
      shots: { data: [{ id: 1, name: 'a', type: 'Shot' }], links: {} },
      task_template: { data: null, links: {} },
    },
    links: { self: '/api/v1/entity/assets/1412' },
  };

  it('lifts attributes and relationship data to the top, drops links', () => {
    const flat = flattenRecord(rec);
    expect(flat).toEqual({
      type: 'Asset',
      id: 1412,
      code: 'Test 1',
      created_at: '2021-06-15T09:06:18Z',
      updated_at: '2021-06-16T08:55:00Z',
      due: '2021-07-01',
      'entity.Shot.code': 'sh010',
      meta: { retirement_date: '2015-07-13 22:32:35 UTC', n: 1 },
      sg_count: 3,
      empty: null,
      created_by: { id: 88, name: 'Jane', type: 'HumanUser' },
      shots: [{ id: 1, name: 'a', type: 'Shot' }],
      task_template: null,
    });
    expect('links' in flat).toBe(false);
  });

  it('leaves meta exactly as the server sent it (opaque, not date-normalized)', () => {
    const flat = flattenRecord(rec);
    expect(flat.meta).toBe(rec.attributes.meta);
    expect((flat.meta as { retirement_date: string }).retirement_date).toBe('2015-07-13 22:32:35 UTC');
  });

  it('handles missing attributes/relationships and keeps type/id authoritative', () => {
    expect(flattenRecord({ type: 'Shot', id: 3 })).toEqual({ type: 'Shot', id: 3 });
    expect(flattenRecord({ type: 'Shot', id: 3, attributes: { id: 99, type: 'x' }, relationships: {} })).toEqual({ type: 'Shot', id: 3 });
    expect(flattenRecords(undefined)).toEqual([]);
    expect(
      flattenRecords([
        { type: 'A', id: 1 },
        { type: 'A', id: 2, attributes: { code: 'b' } },
      ]),
    ).toEqual([
      { type: 'A', id: 1 },
      { type: 'A', id: 2, code: 'b' },
    ]);
  });
});
