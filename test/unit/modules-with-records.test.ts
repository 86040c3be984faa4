import { describe, expect, it } from 'vitest';
import { MODULES } from '../../src/modules/index.js';
import { modulesWithRecords } from '../../src/modules/modules-with-records.js';
import type { ModuleRecords, ZohoModule } from '../../src/modules/zoho-module.js';

const withSection = (name: string, section: string): ZohoModule =>
  ({
    name,
    records: { section, title: section, columns: [] } as unknown as ModuleRecords,
  }) as ZohoModule;

describe('modulesWithRecords', () => {
  it('lists every module of the registry that keeps records, with a section of its own', () => {
    const sections = modulesWithRecords(MODULES).map(({ records }) => records.section);
    expect(sections).toEqual(expect.arrayContaining(['students', 'teachers']));
    expect(new Set(sections).size).toBe(sections.length);
  });

  it('refuses a section that a core page or command already is, or that another module took', () => {
    for (const taken of ['events', 'setup', 'login', 'assets', 'doctor', 'zoho-setup']) {
      expect(() => modulesWithRecords([withSection('x', taken)])).toThrow(
        `Module x: records section "${taken}" must be a lowercase word`,
      );
    }
    expect(() => modulesWithRecords([withSection('a', 'rooms'), withSection('b', 'rooms')])).toThrow(
      'Module b: records section "rooms"',
    );
    expect(() => modulesWithRecords([withSection('c', 'Rooms/x')])).toThrow('Module c');
  });
});
