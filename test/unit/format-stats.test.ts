import { describe, expect, it } from 'vitest';
import { formatStats } from '../../src/cli/format-stats.js';

describe('formatStats', () => {
  it('prints the total and one line of name=count pairs per grouping', () => {
    expect(
      formatStats({
        total_events: 5,
        by_status: { completed: 4, failed: 1 },
        by_source: { zoho: 5 },
        by_module: { BTEC_Students: 5 },
      }),
    ).toBe(
      [
        'total events: 5',
        'by status: completed=4 failed=1',
        'by source: zoho=5',
        'by module: BTEC_Students=5',
      ].join('\n'),
    );
  });

  it('shows an empty grouping as a dash', () => {
    expect(formatStats({ total_events: 0, by_status: {}, by_source: {}, by_module: {} })).toBe(
      'total events: 0\nby status: -\nby source: -\nby module: -',
    );
  });

  it('keeps a module name from breaking its line', () => {
    const text = formatStats({ total_events: 1, by_status: {}, by_source: {}, by_module: { 'a\nb': 1 } });
    expect(text.split('\n')).toHaveLength(4);
    expect(text).toContain('by module: a\\u000ab=1');
  });
});
