// Pure translation of shotgun_api3 filters to the REST `_search` body (docs/shotgrid-wire.md §1.3, §3).
import { describe, expect, it } from 'vitest';
import {
  ARRAY_FILTERS_CONTENT_TYPE,
  HASH_FILTERS_CONTENT_TYPE,
  buildSearchFilters,
  buildSort,
  normalizeTriple,
} from '../../electron/shotgun/filters.js';
import type { Filter } from '../../electron/shotgun/types.js';

describe('filters → _search (§3)', () => {
  it('a plain AND of triples uses the array content type, as the poller query in §3', () => {
    const r = buildSearchFilters([['id', 'greater_than', 41]]);
    expect(r.contentType).toBe(ARRAY_FILTERS_CONTENT_TYPE);
    expect(r.contentType).toBe('application/vnd+shotgun.api3_array+json');
    expect(r.filters).toEqual([['id', 'greater_than', 41]]);
  });

  it('an empty list is the array form with no conditions (matches everything)', () => {
    expect(buildSearchFilters([])).toEqual({ contentType: ARRAY_FILTERS_CONTENT_TYPE, filters: [] });
  });

  it('in: list value or trailing values become one array value', () => {
    expect(normalizeTriple(['id', 'in', [1, 2, 3]])).toEqual(['id', 'in', [1, 2, 3]]);
    expect(normalizeTriple(['id', 'in', 1, 2, 3])).toEqual(['id', 'in', [1, 2, 3]]);
    expect(normalizeTriple(['id', 'not_in', 7])).toEqual(['id', 'not_in', [7]]);
  });

  it('between: two values or a pair become a 2-array; other counts are rejected', () => {
    expect(normalizeTriple(['id', 'between', 10, 20])).toEqual(['id', 'between', [10, 20]]);
    expect(normalizeTriple(['id', 'between', [10, 20]])).toEqual(['id', 'between', [10, 20]]);
    expect(normalizeTriple(['created_at', 'in_last', 7, 'DAY'])).toEqual(['created_at', 'in_last', [7, 'DAY']]);
    expect(() => normalizeTriple(['id', 'between', 10])).toThrow(/two values/);
    expect(() => normalizeTriple(['id', 'between', 1, 2, 3])).toThrow(/two values/);
  });

  it('entities reduce to {type, id}, also inside in-lists; Dates become ISO UTC', () => {
    const shot = { type: 'Shot', id: 5, name: 'sh010', code: 'x' };
    expect(normalizeTriple(['entity', 'is', shot])).toEqual(['entity', 'is', { type: 'Shot', id: 5 }]);
    expect(normalizeTriple(['entity', 'in', [shot, { type: 'Asset', id: 9, name: 'a' }]])).toEqual([
      'entity',
      'in',
      [
        { type: 'Shot', id: 5 },
        { type: 'Asset', id: 9 },
      ],
    ]);
    const d = new Date(Date.UTC(2021, 5, 15, 9, 6, 18, 123));
    expect(normalizeTriple(['created_at', 'greater_than', d])).toEqual(['created_at', 'greater_than', '2021-06-15T09:06:18Z']);
    expect(normalizeTriple(['entity', 'is', null])).toEqual(['entity', 'is', null]);
  });

  it('a group anywhere switches to the hash form with nested conditions', () => {
    const filters: Filter[] = [
      ['project', 'is', { type: 'Project', id: 70, name: 'Demo' }],
      {
        filter_operator: 'any',
        filters: [
          ['event_type', 'is', 'Shotgun_Shot_Change'],
          {
            filter_operator: 'all',
            filters: [
              ['id', 'between', 1, 9],
              ['attribute_name', 'in', 'a', 'b'],
            ],
          },
        ],
      },
    ];
    const r = buildSearchFilters(filters);
    expect(r.contentType).toBe(HASH_FILTERS_CONTENT_TYPE);
    expect(r.filters).toEqual({
      logical_operator: 'and',
      conditions: [
        ['project', 'is', { type: 'Project', id: 70 }],
        {
          logical_operator: 'or',
          conditions: [
            ['event_type', 'is', 'Shotgun_Shot_Change'],
            {
              logical_operator: 'and',
              conditions: [
                ['id', 'between', [1, 9]],
                ['attribute_name', 'in', ['a', 'b']],
              ],
            },
          ],
        },
      ],
    });
  });

  it("'or'/'and' are accepted as filter_operator, and filterOperator 'any' on a list means OR", () => {
    const g = buildSearchFilters({
      filter_operator: 'or',
      filters: [
        ['id', 'is', 1],
        ['id', 'is', 2],
      ],
    });
    expect(g).toEqual({
      contentType: HASH_FILTERS_CONTENT_TYPE,
      filters: {
        logical_operator: 'or',
        conditions: [
          ['id', 'is', 1],
          ['id', 'is', 2],
        ],
      },
    });
    const l = buildSearchFilters(
      [
        ['id', 'is', 1],
        ['id', 'is', 2],
      ],
      'any',
    );
    expect(l.contentType).toBe(HASH_FILTERS_CONTENT_TYPE);
    expect((l.filters as { logical_operator: string }).logical_operator).toBe('or');
    expect(() => buildSearchFilters([], 'xor' as never)).toThrow(/filter_operator/);
  });

  it('a REST hash group passes through (triples still normalized)', () => {
    const r = buildSearchFilters({ logical_operator: 'or', conditions: [['id', 'in', 1, 2] as never] });
    expect(r.filters).toEqual({ logical_operator: 'or', conditions: [['id', 'in', [1, 2]]] });
  });

  it('malformed filters throw a TypeError naming the filter', () => {
    expect(() => normalizeTriple(['id', 'is'] as never)).toThrow(/\[field, relation, value\]/);
    expect(() => buildSearchFilters([{ filter_operator: 'any' } as never])).toThrow(/filter group/);
  });

  it('order → sort string with "-" for desc (§1.3)', () => {
    expect(buildSort(undefined)).toBeUndefined();
    expect(buildSort([])).toBeUndefined();
    expect(buildSort([{ field_name: 'created_at', direction: 'desc' }, { column: 'id', direction: 'asc' }, { field_name: 'code' }])).toBe(
      '-created_at,id,code',
    );
    expect(() => buildSort([{ direction: 'asc' }])).toThrow(/field_name/);
  });
});
