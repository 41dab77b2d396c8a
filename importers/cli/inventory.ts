/**
 * `faultline import csv|json|snipeit …`: the inventory adapters (importers/csv,
 * importers/snipeit) on the shared options, run and summary of main.ts. main.ts hands
 * its helpers in (no import back into the entry module).
 */
import { readFileSync } from 'node:fs';
import { Argument, type Command, InvalidArgumentError, Option } from 'commander';
import { z } from 'zod';
import { CI_CLASS_NAMES } from '../../graph-schema/index.js';
import { csvRecords, fileScope, jsonRecords, loadMapping } from '../csv/index.js';
import { SNIPEIT_KINDS, SNIPEIT_SOURCE, snipeitRecords, snipeitScope, type SnipeitKind } from '../snipeit/index.js';
import type { CommonOptions, SharedCli } from './main.js';

const notice = (message: string) => process.stderr.write(`${message}\n`);

function className(value: string): string {
  if (value !== 'skip' && !CI_CLASS_NAMES.includes(value)) {
    throw new InvalidArgumentError(`a class (${CI_CLASS_NAMES.join(', ')}) or "skip"`);
  }
  return value;
}

const classMapSchema = z.record(z.string(), z.string().refine((c) => c === 'skip' || CI_CLASS_NAMES.includes(c), 'not a class nor "skip"'));

function loadClassMap(file: string | undefined): Record<string, string> | undefined {
  if (!file) return undefined;
  const parsed = classMapSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  if (!parsed.success) {
    throw new Error(`${file}: not a {"category": "Class" | "skip"} object: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  return parsed.data;
}

export function registerInventory(imp: Command, setExit: (code: number) => void, { withCommon, execute }: SharedCli): void {
  for (const format of ['csv', 'json'] as const) {
    withCommon(
      imp
        .command(format)
        .description(`an inventory ${format.toUpperCase()} file mapped by a mapping file (docs/inventory.md)`)
        .argument('<file>', `the ${format.toUpperCase()} file`)
        .requiredOption('--mapping <mapping.json>', 'the mapping file: class, key, name, attributes, references'),
    ).action(async (file: string, opts: CommonOptions & { mapping: string }) => {
      const mapping = loadMapping(opts.mapping);
      const read = format === 'csv' ? csvRecords : jsonRecords;
      setExit(await execute(read(file, mapping, { onNotice: notice }), fileScope(format, file), opts, mapping.source ?? format));
    });
  }

  withCommon(
    imp
      .command('snipeit')
      .description("Snipe-IT's CSV exports: hardware assets, users or locations (built-in mappings)")
      .addArgument(new Argument('<kind>', 'what the export holds').choices(SNIPEIT_KINDS))
      .argument('<file>', 'the CSV export'),
  )
    .addOption(new Option('--class-map <file>', 'assets: JSON {"category": "Class" | "skip"}, checked before the built-in category rules'))
    .addOption(new Option('--default-class <class>', 'assets: class of a category no rule matches (default Computer; "skip" to skip)').argParser(className))
    .action(async (kind: SnipeitKind, file: string, opts: CommonOptions & { classMap?: string; defaultClass?: string }) => {
      const classMap = loadClassMap(opts.classMap);
      const items = snipeitRecords(kind, file, {
        onNotice: notice,
        ...(classMap ? { classMap } : {}),
        ...(opts.defaultClass ? { defaultClass: opts.defaultClass } : {}),
      });
      setExit(await execute(items, snipeitScope(kind, file), opts, SNIPEIT_SOURCE));
    });
}
