/**
 * A finished file gets a new name only where none is: a file made under that name meanwhile
 * (the till starting again, the owner saving something) is never replaced, and no temp file is
 * left behind either way.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { placeUnderNewName, tempNameFor, writeOnce } from '../../../main/engine/fs/atomic-file.js';
import { tempDir } from '../../helpers.js';

const dir = tempDir();
after(() => fs.rmSync(dir, { recursive: true, force: true }));

function finishedTemp(final: string, text: string): string {
  const temp = tempNameFor(final);
  fs.writeFileSync(temp, text);
  return temp;
}

test('a new name is given, and the temp is gone', async () => {
  const final = path.join(dir, 'restored.db');
  const temp = finishedTemp(final, 'restored');
  await placeUnderNewName(temp, final);
  assert.equal(fs.readFileSync(final, 'utf8'), 'restored');
  assert.equal(fs.existsSync(temp), false);
});

test('a file made under the name meanwhile is left as it is', async () => {
  const final = path.join(dir, 'taken.db');
  const temp = finishedTemp(final, 'restored');
  fs.writeFileSync(final, 'the till made this');
  await assert.rejects(placeUnderNewName(temp, final), { code: 'EEXIST' });
  assert.equal(fs.readFileSync(final, 'utf8'), 'the till made this');
  assert.equal(fs.existsSync(temp), false, 'no temp left behind');
  assert.deepEqual(
    fs.readdirSync(dir).filter((n) => n.startsWith('taken.db')),
    ['taken.db'],
  );
});

test('a symbolic link under the name is not followed or replaced', async () => {
  const target = path.join(dir, 'elsewhere.txt');
  fs.writeFileSync(target, 'not ours');
  const final = path.join(dir, 'link.db');
  fs.symlinkSync(target, final);
  await assert.rejects(placeUnderNewName(finishedTemp(final, 'restored'), final), {
    code: 'EEXIST',
  });
  assert.equal(fs.readFileSync(target, 'utf8'), 'not ours');
  assert.ok(fs.lstatSync(final).isSymbolicLink());
});

test('writeOnce keeps its promise through it: never overwrites', async () => {
  const final = path.join(dir, 'once.json');
  await writeOnce(final, 'first');
  await assert.rejects(writeOnce(final, 'second'), { code: 'EEXIST' });
  assert.equal(fs.readFileSync(final, 'utf8'), 'first');
});
