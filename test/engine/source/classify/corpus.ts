/**
 * The classifier corpus: real shop schemas (test/fixtures/schemas, with sources and licences)
 * and the data type a shop owner gives each of their tables, classified the way a backup does.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { DataType } from '../../../../main/engine/data-types.js';
import { classifyTables } from '../../../../main/engine/source/classify/classify.js';
import { describeWhy } from '../../../../main/engine/source/classify/why.js';
import { readTableShapes } from '../../../../main/engine/source/schema.js';
import { bindVirtualTables, virtualTables } from '../../../../main/engine/source/virtual-tables.js';

export interface Expected {
  shop: string;
  tables: Record<string, DataType>;
  notes?: Record<string, string>;
}

export interface Outcome {
  schema: string;
  table: string;
  expected: DataType;
  got: DataType;
  reason: string;
}

/** Every table of every schema in `dir` (its expected.json), as classified and as expected. */
export function classifyCorpus(dir: string): Outcome[] {
  const expected = JSON.parse(fs.readFileSync(path.join(dir, 'expected.json'), 'utf8')) as Record<
    string,
    Expected
  >;
  return Object.entries(expected).flatMap(([file, e]) => {
    const db = new Database(':memory:');
    try {
      db.exec(fs.readFileSync(path.join(dir, file), 'utf8'));
      const got = new Map(
        bindVirtualTables(classifyTables(readTableShapes(db)), virtualTables(db)).map((c) => [
          c.table,
          c,
        ]),
      );
      return Object.entries(e.tables).map(([table, type]) => ({
        schema: file,
        table,
        expected: type,
        got: got.get(table)?.type ?? ('missing' as DataType),
        reason: got.has(table) ? describeWhy(got.get(table)!.why) : 'not in the schema',
      }));
    } finally {
      db.close();
    }
  });
}
