// Vocabularies, tokenizers, padding and masks; MR polarity prepared exactly as the PyTorch twin.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  Vocabulary, CharTokenizer, WordTokenizer, loadTokenizer, saveTokenizer, padSequences, paddingMaskOf, splitLines, whitespaceTokens, basicTokens,
} from '../../src/text/index.js';
import { fromArray } from '../../src/tensor/creation.js';
import { loadMrPolarity, sharedDataDir } from '../../src/models/text-data.js';
import { numpyPermutation } from '../../src/models/numpy-random.js';

describe('Vocabulary', () => {
  test('pad 0, unk 1, then by frequency with ties in order of first appearance (Counter.most_common)', () => {
    const v = Vocabulary.build([['b', 'a', 'c'], ['a', 'c', 'd'], ['d']], { maxSize: 5 });
    assert.deepEqual(v.tokens, ['<pad>', '<unk>', 'a', 'c', 'd']);
    assert.equal(v.padId, 0);
    assert.equal(v.unkId, 1);
    assert.deepEqual(Array.from(v.encode(['a', 'b', 'zzz'])), [2, 1, 1]);
    assert.deepEqual(v.decode([2, 0, 3]), ['a', 'c']);
  });

  test('special tokens, minimum frequency, and a JSON round trip through a file', () => {
    const v = Vocabulary.build([['x', 'x', 'y']], { specialTokens: ['[CLS]', '[MASK]'], minFreq: 2, padToken: '[PAD]', unkToken: '[UNK]' });
    assert.deepEqual(v.tokens, ['[PAD]', '[UNK]', '[CLS]', '[MASK]', 'x']);
    const file = join(mkdtempSync(join(tmpdir(), 'myelin-vocab-')), 'vocab.json');
    v.save(file);
    const w = Vocabulary.load(file);
    assert.deepEqual(w.tokens, v.tokens);
    assert.equal(w.id('[MASK]'), 3);
    assert.equal(w.id('nope'), 1);
    assert.throws(() => Vocabulary.build([['a']], { maxSize: 1 }), /cannot hold/);
    assert.throws(() => new Vocabulary(['a']).id('b'), /unknown token/);
  });
});

describe('tokenizers', () => {
  test('characters: sorted set, ids round-trip, JSON save and load', () => {
    const t = CharTokenizer.fromText('hello, world\n');
    assert.deepEqual(t.vocab.tokens, ['\n', ' ', ',', 'd', 'e', 'h', 'l', 'o', 'r', 'w']);
    assert.equal(t.decode(t.encode('world')), 'world');
    const file = join(mkdtempSync(join(tmpdir(), 'myelin-tok-')), 'tok.json');
    saveTokenizer(t, file);
    const u = loadTokenizer(file);
    assert.ok(u instanceof CharTokenizer);
    assert.deepEqual(Array.from(u.encode('hello')), Array.from(t.encode('hello')));
  });

  test('words: lower-casing, vocabulary limit, OOV, whitespace as Python str.split and a basic punctuation split', () => {
    const t = WordTokenizer.fit(['The cat sat.', 'the dog sat', 'A cat'], { maxSize: 5 });
    // whitespace splitting keeps 'sat.' and 'sat' apart; equal counts keep the order of first appearance
    assert.deepEqual(t.vocab.tokens, ['<pad>', '<unk>', 'the', 'cat', 'sat.']);
    assert.deepEqual(Array.from(t.encode('THE bird')), [2, 1]);
    assert.deepEqual(whitespaceTokens('a\x1cb\u00a0c\ufeffd  e\n'), ['a', 'b', 'c\ufeffd', 'e']);
    assert.deepEqual(basicTokens("it's a tale -- told, well!"), ["it's", 'a', 'tale', '-', '-', 'told', ',', 'well', '!']);
    const b = WordTokenizer.fit(['Hello, World!'], { split: 'basic' });
    assert.deepEqual(b.tokenize('HELLO, world!'), ['hello', ',', 'world', '!']);
    assert.equal(b.decode(b.encode('hello world')), 'hello world');
    const file = join(mkdtempSync(join(tmpdir(), 'myelin-tok-')), 'words.json');
    saveTokenizer(b, file);
    const u = loadTokenizer(file);
    assert.ok(u instanceof WordTokenizer && u.split === 'basic' && u.lower);
  });

  test('splitLines follows Python str.splitlines', () => {
    assert.deepEqual(splitLines('a\nb\r\nc\rd\x0be\n'), ['a', 'b', 'c', 'd', 'e']);
    assert.deepEqual(splitLines(''), []);
  });
});

describe('padding and masks', () => {
  test("pre/post padding and truncation (Keras pad_sequences), attention and key-padding masks", () => {
    const seqs = [Int32Array.of(1, 2, 3, 4), Int32Array.of(5)];
    const pre = padSequences(seqs, { maxLen: 3, padding: 'pre', truncating: 'pre' });
    assert.deepEqual(pre.ids.toArray(), [[2, 3, 4], [0, 0, 5]]);
    assert.deepEqual(pre.mask.toArray(), [[1, 1, 1], [0, 0, 1]]);
    assert.deepEqual(pre.paddingMask.toArray(), [[0, 0, 0], [1, 1, 0]]);
    const post = padSequences(seqs, { maxLen: 3, value: 9 });
    assert.deepEqual(post.ids.toArray(), [[1, 2, 3], [5, 9, 9]]);
    assert.deepEqual(Array.from(post.lengths), [3, 1]);
    assert.deepEqual(padSequences(seqs).ids.shape, [2, 4]);
    assert.deepEqual(paddingMaskOf(fromArray(Int32Array.of(3, 0, 0), [1, 3])).toArray(), [[0, 1, 1]]);
  });
});

const MR = join(sharedDataDir(), 'mr-polarity');
describe('MR polarity as the PyTorch twin prepares it', () => {
  test('numpy RandomState(0).permutation is reproduced bit for bit', () => {
    // values printed by numpy 1.x: np.random.RandomState(0).permutation(10662)[:8], RandomState(123).permutation(7)
    assert.deepEqual(Array.from(numpyPermutation(10662, 0).subarray(0, 8)), [7168, 8649, 3381, 8718, 5367, 2290, 6327, 8469]);
    assert.deepEqual(Array.from(numpyPermutation(7, 123)), [1, 3, 4, 0, 2, 5, 6]);
  });

  test('same split, vocabulary and padded ids as polarity.py (checksums printed by the twin)', { skip: !existsSync(MR) && `no data at ${MR}` }, () => {
    const d = loadMrPolarity();
    assert.equal(d.train.length, 9596);
    assert.equal(d.test.length, 1066);
    assert.equal(d.tokenizer.size, 10000);
    const sum = (a: ArrayLike<number>) => { let s = 0; for (let i = 0; i < a.length; i++) s += a[i]; return s; };
    // /usr/bin/python3 -c "import polarity; a,b,c,d = polarity.load(); print(a.sum(), b.sum(), c.sum())"
    assert.equal(sum(d.train.tensors[0].dataSync()), 178550195);
    assert.equal(sum(d.train.tensors[1].dataSync()), 4822);
    assert.equal(sum(d.test.tensors[0].dataSync()), 16465922);
    assert.deepEqual(d.train.tensors[0].shape, [9596, 56]);
  });
});
