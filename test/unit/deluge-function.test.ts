import { describe, expect, it } from 'vitest';
import { printDelugeSetup } from '../../src/cli/print-deluge-setup.js';
import { AppError } from '../../src/errors.js';
import { MODULES } from '../../src/modules/index.js';
import { buildDelugeFunctions, DELUGE_SECRET_PLACEHOLDER } from '../../src/webhooks/deluge-function.js';

const url = 'https://mzi.school.example/api/v1/events/zoho/x';

/** The keys the function puts in the record, in order (a lookup's if/else puts its key twice: counted once). */
function recordKeys(code: string): string[] {
  return [...new Set([...code.matchAll(/^data\.put\("([^"]+)",/gm)].map((m) => m[1] as string))];
}

function trimmed(code: string): string {
  return code
    .split('\n')
    .map((line) => line.trim())
    .join('\n');
}

describe('buildDelugeFunctions', () => {
  for (const module of MODULES) {
    it(`prints insert, update and delete functions for ${module.name} with every field it reads`, () => {
      const functions = buildDelugeFunctions({ module, url, secret: 's3cret', timestamped: true });
      expect(functions.map((fn) => [fn.name, fn.operation, fn.trigger])).toEqual([
        [`mzi_${module.name}_insert`, 'insert', 'Create'],
        [`mzi_${module.name}_update`, 'update', 'Edit'],
        [`mzi_${module.name}_delete`, 'delete', 'Delete'],
      ]);
      for (const fn of functions.slice(0, 2)) {
        const code = trimmed(fn.code);
        expect(code).toContain(`record = zoho.crm.getRecordById("${module.zohoApiName}", id.toLong());`);
        expect(recordKeys(code)).toEqual(['id', ...module.fields.map((field) => field.apiName)]);
        expect(code).toContain('data.put("id", record.get("id"));');
        for (const field of module.fields) {
          if (field.lookup) {
            expect(code).toContain(
              `lookup = record.get("${field.apiName}");\nif(lookup != null)\n{\ndata.put("${field.apiName}", lookup.get("id"));\n}\nelse\n{\ndata.put("${field.apiName}", "");\n}`,
            );
          } else {
            expect(code).toContain(
              `data.put("${field.apiName}", ifnull(record.get("${field.apiName}"), ""));`,
            );
          }
        }
        expect(code).toContain(`envelope.put("operation", "${fn.operation}");`);
        expect(code).toContain(
          `envelope.put("delivery_id", "${fn.operation}-" + id + "-" + ifnull(record.get("Modified_Time"), ""));`,
        );
      }
    });
  }

  it('sends only the id of a deleted record, which Zoho can no longer read', () => {
    const [, , remove] = buildDelugeFunctions({
      module: MODULES[0] as (typeof MODULES)[number],
      url,
      secret: 's',
      timestamped: true,
    });
    const code = trimmed(remove?.code ?? '');
    expect(code).not.toContain('getRecordById');
    expect(recordKeys(code)).toEqual(['id']);
    expect(code).toContain('data.put("id", id);');
    expect(code).toContain('envelope.put("delivery_id", "delete-" + id + "-" + ts);');
  });

  it('signs the exact text it posts, with the timestamp unless told not to, and posts it as JSON', () => {
    const module = MODULES[0] as (typeof MODULES)[number];
    const [stamped] = buildDelugeFunctions({ module, url, secret: 's', timestamped: true });
    const [plain] = buildDelugeFunctions({ module, url, secret: 's', timestamped: false });
    const post = (code: string) => code.slice(code.indexOf('body = envelope.toString();'));
    expect(trimmed(post(stamped?.code ?? ''))).toBe(
      [
        'body = envelope.toString();',
        'signature = zoho.encryption.hmacsha256(secret, ts + "." + body);',
        'response = invokeurl',
        '[',
        `url: "${url}"`,
        'type: POST',
        'headers: {"X-Zoho-Signature": signature, "X-Zoho-Timestamp": ts}',
        'content-type: "application/json"',
        'parameters: body',
        'detailed: true',
        '];',
        'info response;',
      ].join('\n'),
    );
    const plainPost = trimmed(post(plain?.code ?? ''));
    expect(plainPost).toContain('signature = zoho.encryption.hmacsha256(secret, body);');
    expect(plainPost).toContain('headers: {"X-Zoho-Signature": signature}');
  });

  it('refuses to write a value a Deluge text literal cannot hold', () => {
    const module = MODULES[0] as (typeof MODULES)[number];
    for (const secret of ['a"b', 'a\\b', 'a\nb']) {
      expect(() => buildDelugeFunctions({ module, url, secret, timestamped: true })).toThrow(AppError);
    }
  });
});

describe('printDelugeSetup', () => {
  const module = MODULES[0] as (typeof MODULES)[number];
  const base = { module, url, timestamped: true, hasSecret: true, hasToken: false };

  it('prints a marked placeholder, never the secret, unless asked', () => {
    const text = printDelugeSetup({ ...base, shownSecret: undefined });
    expect(text.match(new RegExp(`secret = "${DELUGE_SECRET_PLACEHOLDER}";`, 'g'))).toHaveLength(3);
    expect(text).toContain(`Replace ${DELUGE_SECRET_PLACEHOLDER}`);
    const shown = printDelugeSetup({ ...base, shownSecret: 'the-real-secret' });
    expect(shown.match(/secret = "the-real-secret";/g)).toHaveLength(3);
    expect(shown).not.toContain(DELUGE_SECRET_PLACEHOLDER);
  });

  it('prints the clicks in Zoho for each workflow rule, with the id argument mapping', () => {
    const text = printDelugeSetup({ ...base, shownSecret: undefined });
    for (const [operation, trigger] of [
      ['insert', 'Create'],
      ['update', 'Edit'],
      ['delete', 'Delete'],
    ]) {
      expect(text).toContain(`Rule name: mzi ${module.name} ${operation}.`);
      expect(text).toContain(`When: on a Record Action > ${trigger}.`);
      expect(text).toContain(`void automation.mzi_${module.name}_${operation}(String id)`);
    }
    expect(text).toContain('Setup > Automation > Workflow Rules > Create Rule');
    expect(text).toContain('Instant Actions > Function > New Function > Write your own');
    expect(text).toContain(`(type # and pick ${module.zohoApiName} > ${module.zohoApiName} Id)`);
  });

  it('warns when mzi would refuse or not check the signed deliveries', () => {
    expect(printDelugeSetup({ ...base, shownSecret: undefined, hasSecret: false, hasToken: true })).toContain(
      'it will refuse these signed',
    );
    expect(printDelugeSetup({ ...base, shownSecret: undefined, hasSecret: false })).toContain(
      'WARNING: authentication is off',
    );
  });
});
