import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { test } from 'node:test';
import {
  DEFAULT_SCRYPT,
  TEST_SCRYPT,
  deriveRecoveryKek,
  newMasterKeys,
  newRecoveryKey,
  newScryptParams,
  open,
  parseRecoveryKey,
  seal,
  unwrapMasterKeys,
  wrapMasterKeys,
} from '../../../main/engine/repository/crypto.js';
import { TillvaultError } from '../../../main/engine/errors.js';

test('a recovery key survives being typed back sloppily', () => {
  for (let i = 0; i < 50; i++) {
    const key = newRecoveryKey();
    assert.match(key, /^([0-9A-HJKMNP-TV-Z]{4}-){7}[0-9A-HJKMNP-TV-Z]{4}$/);
    const sloppy = key.toLowerCase().replace(/-/g, ' ').replace(/0/g, 'o').replace(/1/g, 'l');
    assert.deepEqual(parseRecoveryKey(sloppy), parseRecoveryKey(key));
  }
});

test('an incomplete recovery key is refused with a clear message', () => {
  assert.throws(
    () => parseRecoveryKey('ABCD-EFGH'),
    (e: unknown) => e instanceof TillvaultError && /8 groups/.test(e.message),
  );
  assert.throws(() => parseRecoveryKey('UUUU-UUUU-UUUU-UUUU-UUUU-UUUU-UUUU-UUUU'), TillvaultError);
});

test('sealed data fails to open when a byte flips, the key differs or the name differs', () => {
  const key = crypto.randomBytes(32);
  const data = crypto.randomBytes(1000);
  const sealed = seal(key, data, Buffer.from('a'));
  assert.deepEqual(open(key, sealed, Buffer.from('a')), data);
  assert.equal(open(key, sealed, Buffer.from('b')), null);
  assert.equal(open(crypto.randomBytes(32), sealed, Buffer.from('a')), null);
  for (let i = 0; i < sealed.length; i += 97) {
    const bad = Buffer.from(sealed);
    bad[i]! ^= 0x40;
    assert.equal(open(key, bad, Buffer.from('a')), null, `flip at ${i}`);
  }
  assert.equal(open(key, sealed.subarray(0, 20), Buffer.from('a')), null);
});

test('the master key wrapped by the recovery key unwraps only with that key and repository id', () => {
  const keys = newMasterKeys();
  const rk = newRecoveryKey();
  const salt = crypto.randomBytes(16).toString('base64');
  const w = wrapMasterKeys(deriveRecoveryKek(rk, salt), keys, 'repo-1');
  const back = unwrapMasterKeys(deriveRecoveryKek(rk, salt), w, 'repo-1');
  assert.ok(back);
  assert.deepEqual(back.encKey, keys.encKey);
  assert.deepEqual(back.idKey, keys.idKey);
  assert.equal(unwrapMasterKeys(deriveRecoveryKek(rk, salt), w, 'repo-2'), null);
  assert.equal(unwrapMasterKeys(deriveRecoveryKek(newRecoveryKey(), salt), w, 'repo-1'), null);
});

test("new repositories get OWASP's scrypt cost; only the tests' own variable lowers it", () => {
  const cost = ({ N, r, p }: { N: number; r: number; p: number }): number[] => [N, r, p];
  assert.deepEqual(cost(newScryptParams({})), [2 ** 16, 8, 2]);
  assert.deepEqual(cost(DEFAULT_SCRYPT), [2 ** 16, 8, 2]);
  for (const value of ['0', 'true', 'yes', '']) {
    assert.deepEqual(cost(newScryptParams({ TILLVAULT_TEST_FAST_KDF: value })), [2 ** 16, 8, 2]);
  }
  assert.deepEqual(cost(newScryptParams({ TILLVAULT_TEST_FAST_KDF: '1' })), cost(TEST_SCRYPT));
  assert.notEqual(newScryptParams({}).salt, newScryptParams({}).salt);
});
