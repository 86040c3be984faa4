import type { Command } from 'commander';
import { AppError } from '../../errors.js';
import { students } from '../../modules/index.js';
import type { CliContext } from '../cli-context.js';
import { out } from '../output.js';
import { withDatabase } from '../with-database.js';

/** `mzi students show <ref>`: a student of the local mirror, found by any of its identifiers. */
export function registerStudentsCommands(program: Command, { getConfig }: CliContext): void {
  program
    .command('students')
    .description('the local student mirror')
    .command('show <ref>')
    .description('a student by Zoho record id, Student_ID_Number or Academic_Email')
    .action(async (ref: string) => {
      const rows = await withDatabase(getConfig(), (db) => students.records.find(db, ref));
      if (rows.length === 0)
        throw new AppError('student_not_found', `No student matches "${ref}".`, { status: 404 });
      out(JSON.stringify(rows.length === 1 ? rows[0] : rows, null, 2));
    });
}
