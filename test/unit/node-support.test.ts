import { describe, expect, it } from 'vitest';
import { nodeSupportCheck } from '../../src/admin/node-support.js';

const DAY = new Date('2026-12-07T12:00:00Z');

describe('the Node.js support check of mzi doctor', () => {
  it('warns on Node 20, end of life since April 2026, naming the supported lines', () => {
    const check = nodeSupportCheck('v20.20.2', DAY);
    expect(check.status).toBe('warn');
    expect(check.detail).toBe(
      'Node.js v20.20.2 reached its end of life on 2026-04-30: it gets no security fixes',
    );
    expect(check.fix).toContain('Node.js 24 LTS (or 22 LTS)');
  });

  it('is content with the LTS lines 22 and 24 until their end of life', () => {
    expect(nodeSupportCheck('v22.23.5', DAY)).toMatchObject({ status: 'ok' });
    expect(nodeSupportCheck('v24.22.3', DAY)).toMatchObject({
      status: 'ok',
      detail: 'Node.js v24.22.3, a supported LTS line (22 and 24)',
    });
    expect(nodeSupportCheck('v22.23.5', new Date('2027-05-01T00:00:00Z'))).toMatchObject({ status: 'warn' });
  });

  it('warns on a line mzi is not tested on', () => {
    expect(nodeSupportCheck('v25.1.0', DAY)).toMatchObject({
      status: 'warn',
      detail: 'Node.js v25.1.0 is not a line mzi is tested on (22 and 24)',
    });
  });
});
