import type { Command } from 'commander';
import { AppError } from '../../errors.js';
import { describeRecord } from '../../modules/describe-record.js';
import { type ModuleWithRecords, modulesWithRecords } from '../../modules/modules-with-records.js';
import type { CliContext } from '../cli-context.js';
import { formatRecordLine } from '../format-record.js';
import { out } from '../output.js';
import { parsePositiveInt } from '../parse-positive-int.js';
import { withDatabase } from '../with-database.js';

/** `mzi <section> show <ref>` and `mzi <section> list` for every module that keeps records (`mzi students …`). */
export function registerRecordsCommands(program: Command, context: CliContext): void {
  const all = modulesWithRecords(context.modules);
  for (const entry of all) {
    const group = program
      .command(entry.records.section)
      .description(`the local ${entry.module.name} mirror (${entry.module.zohoApiName})`);
    registerShow(group, entry, all, context);
    registerList(group, entry, context);
  }
}

function registerShow(
  group: Command,
  entry: ModuleWithRecords,
  all: readonly ModuleWithRecords[],
  { getConfig }: CliContext,
): void {
  const { module, records } = entry;
  group
    .command('show <ref>')
    .description(`a ${module.name} by ${records.findHelp}, with its related records`)
    .action(async (ref: string) => {
      const shown = await withDatabase(getConfig(), async (db) => {
        const rows = await records.find(db, ref);
        return Promise.all(
          rows.map(async (row) => ({
            ...row,
            related: (await describeRecord(db, { of: entry, row, modules: all })).related,
          })),
        );
      });
      if (shown.length === 0)
        throw new AppError(`${module.name}_not_found`, `No ${module.name} matches "${ref}".`, {
          status: 404,
        });
      out(JSON.stringify(shown.length === 1 ? shown[0] : shown, null, 2));
    });
}

function registerList(
  group: Command,
  { module, records }: ModuleWithRecords,
  { getConfig }: CliContext,
): void {
  group
    .command('list')
    .description(`${records.title.toLowerCase()}, most recently changed first`)
    .option('--q <text>', `only those matching: ${records.searchHelp}`)
    .option('--limit <n>', 'how many', parsePositiveInt, 20)
    .option('--json', 'print JSON lines')
    .action(async (opts: { q?: string; limit: number; json?: boolean }) => {
      const rows = await withDatabase(getConfig(), (db) =>
        records.search(db, { q: opts.q, limit: opts.limit }),
      );
      if (rows.length === 0) {
        out(`no ${module.name} matches`);
        return;
      }
      for (const row of rows) out(opts.json ? JSON.stringify(row) : formatRecordLine(records, row));
    });
}
