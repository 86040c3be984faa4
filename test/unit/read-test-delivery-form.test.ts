import { describe, expect, it } from 'vitest';
import { readTestDeliveryForm } from '../../src/http/routes/dashboard/read-test-delivery-form.js';
import { MODULES } from '../../src/modules/index.js';
import type { ZohoModule } from '../../src/modules/zoho-module.js';

const [student] = MODULES as [ZohoModule];
/** A second module whose test delivery has one field of its own. */
const widgets: ZohoModule = {
  ...student,
  name: 'widget',
  zohoApiName: 'Test_Widgets',
  testDelivery: {
    fields: [{ apiName: 'Label', label: 'Label', value: 'A widget' }],
    hint: student.testDelivery.hint,
  },
};
const modules = [student, widgets];

describe('readTestDeliveryForm', () => {
  it("keeps the named module's filled-in test fields, trimmed, and nothing else", () => {
    const form = readTestDeliveryForm(
      {
        module: 'widget',
        operation: 'update',
        record_id: ' 4200 ',
        Label: '  Blue  ',
        Name: 'not a widget field',
        other: 'x',
      },
      modules,
    );
    expect(form).toEqual({
      module: widgets,
      operation: 'update',
      fields: { Label: 'Blue' },
      recordId: '4200',
    });
  });

  it("is the first module's when the form names none", () => {
    const form = readTestDeliveryForm({ Academic_Email: 'a@b.edu', Name: '' }, modules);
    expect(form.module).toBe(student);
    expect(form.fields).toEqual({ Academic_Email: 'a@b.edu' });
  });

  it('refuses a module mzi does not serve with a 400', () => {
    expect(() => readTestDeliveryForm({ module: 'teacher' }, modules)).toThrow(
      expect.objectContaining({
        code: 'unknown_module',
        status: 400,
        message: 'The test delivery names no module mzi serves.',
      }),
    );
  });

  it.each([undefined, 'create', 'invalid', ['update', 'delete']])(
    'reads operation %j as an insert',
    (operation) => {
      expect(readTestDeliveryForm({ operation }, modules).operation).toBe('insert');
    },
  );

  it.each(['', 'abc', '12 34', '1'.repeat(31), '-5'])(
    'sends record id %j as none (a new record)',
    (recordId) => {
      expect(readTestDeliveryForm({ record_id: recordId }, modules).recordId).toBeUndefined();
    },
  );

  it('cuts a field at 500 characters and ignores values that are not text', () => {
    const form = readTestDeliveryForm({ Name: 'n'.repeat(600), Country: ['Lebanon', 'France'] }, modules);
    expect(form.fields).toEqual({ Name: 'n'.repeat(500) });
  });
});
