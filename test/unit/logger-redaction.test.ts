import { Writable } from 'node:stream';
import type pino from 'pino';
import { describe, expect, it } from 'vitest';
import { createLogger, redactUrl } from '../../src/logger.js';
import { MODULES } from '../../src/modules/index.js';

function capture(): { logger: pino.Logger; text: () => string } {
  const chunks: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, callback) {
      chunks.push(String(chunk));
      callback();
    },
  });
  const logger = createLogger({
    level: 'trace',
    pretty: false,
    destination: destination as pino.DestinationStream,
  });
  return { logger, text: () => chunks.join('') };
}

describe('redactUrl', () => {
  it('keeps the path and harmless parameters, and redacts every other value', () => {
    expect(redactUrl('/api/v1/events/zoho/student')).toBe('/api/v1/events/zoho/student');
    expect(redactUrl('/api/v1/events/zoho/student?operation=insert&token=s3cret')).toBe(
      '/api/v1/events/zoho/student?operation=insert&token=[redacted]',
    );
    expect(redactUrl('/w?Academic_Email=lina%40example.edu&Name=Lina+Haddad&operation=update')).toBe(
      '/w?Academic_Email=[redacted]&Name=[redacted]&operation=update',
    );
    expect(redactUrl('/admin/events?status=failed&limit=20&q=lina%40example.edu')).toBe(
      '/admin/events?status=failed&limit=20&q=[redacted]',
    );
  });

  it('redacts odd query strings too: bare values, bad escapes, encoded names, fragments', () => {
    expect(redactUrl('/w?lina@example.edu')).toBe('/w?[redacted]');
    expect(redactUrl('/w?%6Fperation=insert&%zz=1&&x=')).toBe(
      '/w?%6Fperation=insert&%zz=[redacted]&&x=[redacted]',
    );
    expect(redactUrl('/w?wstoken=abc#frag')).toBe('/w?wstoken=[redacted]');
  });

  it('redacts path segments that may name a person, and keeps event references and route words', () => {
    expect(redactUrl('/api/v1/students/lina%40example.edu?limit=5')).toBe(
      '/api/v1/students/[redacted]?limit=5',
    );
    expect(redactUrl('/admin/students/B-1042')).toBe('/admin/students/[redacted]');
    // Every module's records section, not only the students'.
    expect(redactUrl('/admin/teachers/7200001')).toBe('/admin/teachers/[redacted]');
    expect(redactUrl('/api/v1/teachers/T-1?limit=5')).toBe('/api/v1/teachers/[redacted]?limit=5');
    expect(redactUrl('//admin//Students//5725767000001234567/')).toBe('//admin//Students//[redacted]/');
    expect(redactUrl('/api/v1/events/lina@example.edu/retry')).toBe('/api/v1/events/[redacted]/retry');
    expect(redactUrl('/admin/events/5725767000001234567')).toBe('/admin/events/[redacted]');
    expect(redactUrl('/docs/lina@example.edu#x')).toBe('/docs/[redacted]');
    for (const kept of [
      '/api/v1/events/zoho/student',
      '/api/v1/events/stats',
      '/admin/events/retry',
      '/admin/events/1234',
      '/api/v1/events/01939b2e-7a4c-7d2e-9f00-1234567890ab/retry',
    ]) {
      expect(redactUrl(kept)).toBe(kept);
    }
  });

  it('redacts record and record_id, which may hold an email or a record id', () => {
    expect(redactUrl('/admin/events?record_id=5725767000001234567&record=lina%40example.edu')).toBe(
      '/admin/events?record_id=[redacted]&record=[redacted]',
    );
  });
});

describe('the logger', () => {
  it('never writes personal fields, secrets or database error details, whatever the level', () => {
    const { logger, text } = capture();
    const dbError = Object.assign(
      new Error('duplicate key value violates unique constraint "students_email"'),
      {
        code: '23505',
        detail: 'Key (academic_email)=(lina@example.edu) already exists.',
        where: 'SQL statement "insert … values (\'Lina Haddad\')"',
      },
    );
    logger.error({ err: dbError }, 'could not store');
    logger.info({ event: { data: { Name: 'Lina Haddad' } }, token: 'tok-1', secret: 'sec-1' }, 'x');
    logger.trace({ student: { Academic_Email: 'lina@example.edu', Phone: '+961 71 234 567' } }, 'y');
    logger.info({ req: { method: 'POST', url: '/w?token=tok-2&Name=Lina' } }, 'z');
    const out = text();
    for (const value of [
      'lina@example.edu',
      'Lina Haddad',
      'tok-1',
      'sec-1',
      'tok-2',
      '+961 71 234 567',
      'Name=Lina',
    ]) {
      expect(out).not.toContain(value);
    }
    // What is needed to diagnose stays.
    expect(out).toContain('23505');
    expect(out).toContain('duplicate key value violates unique constraint');
  });

  it('redacts what child loggers bind, in every generation, and leaves the logged objects untouched', () => {
    const { logger, text } = capture();
    const child = logger.child({ token: 'tok-3', student: { Phone: '+961 3 123 456' }, eventId: 'e-1' });
    const grandchild = child.child({ session: { password: 'pw-4' }, attempt: 2 });
    const logged = { event: { Academic_Email: 'rami@example.edu', record_id: 'r-1' } };
    grandchild.info(logged, 'w');
    const line = JSON.parse(text().trim().split('\n').at(-1) as string);
    expect(line).toMatchObject({
      token: '[redacted]',
      student: { Phone: '[redacted]' },
      eventId: 'e-1',
      session: { password: '[redacted]' },
      attempt: 2,
      event: { Academic_Email: '[redacted]', record_id: 'r-1' },
    });
    // Redaction works on copies: the caller's object keeps its values.
    expect(logged.event.Academic_Email).toBe('rami@example.edu');
  });

  it('keeps an error an error (type, message, stack) when it redacts its details', () => {
    const { logger, text } = capture();
    const error = Object.assign(new TypeError('bad row'), { detail: 'Key (email)=(a@b.c)' });
    logger.error({ err: error }, 'v');
    const line = JSON.parse(text().trim());
    expect(line.err).toMatchObject({ type: 'TypeError', message: 'bad row', detail: '[redacted]' });
    expect(line.err.stack).toContain('TypeError: bad row');
    expect(error.detail).toBe('Key (email)=(a@b.c)');
  });
});

describe('redaction of module fields', () => {
  it("never writes a module's personal field, as Zoho names it or in lowercase, and keeps the others", () => {
    const { logger, text } = capture();
    const fields = MODULES.flatMap((module) => module.fields);
    for (const field of fields) {
      const value = `value-of-${field.apiName}`;
      logger.info({ record: { [field.apiName]: value, [field.apiName.toLowerCase()]: value } }, 'record');
    }
    const written = text();
    for (const field of fields) {
      if (field.personal) expect(written).not.toContain(`value-of-${field.apiName}`);
      else expect(written).toContain(`value-of-${field.apiName}`);
    }
    expect(fields.some((field) => field.personal)).toBe(true);
  });
});
