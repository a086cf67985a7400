/** Passphrase strength 0..4 from zxcvbn-ts (dictionaries, keyboard patterns, dates). */
import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import { adjacencyGraphs, dictionary } from '@zxcvbn-ts/language-common';

const zxcvbn = new ZxcvbnFactory({ dictionary, graphs: adjacencyGraphs });

export function passphraseStrength(passphrase: string, userInputs: string[]): 0 | 1 | 2 | 3 | 4 {
  return passphrase ? zxcvbn.check(passphrase, userInputs).score : 0;
}
