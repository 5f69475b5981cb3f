// Tokenizers: characters, and words (whitespace-split as Python's str.split, or a basic split
// that also separates punctuation), each with a vocabulary; JSON save and load.

import { readFileSync } from 'node:fs';
import { writeFileAtomic } from '../io/atomic-write.js';
import { Vocabulary, type VocabularyJson, type VocabularyOptions } from './vocabulary.js';

/** Python's str.split() separators (str.isspace()), so that tokens match Python's exactly. */
export const PY_WHITESPACE = /[\t\n\v\f\r \x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/;
/** Python's str.splitlines() boundaries. */
export const PY_LINE_BREAK = /\r\n|[\n\r\v\f\x1c-\x1e\x85\u2028\u2029]/;

/** Lines of a text as Python's str.splitlines() (no trailing empty line). */
export function splitLines(text: string): string[] {
  const lines = text.split(PY_LINE_BREAK);
  if (lines.length && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** Whitespace tokens as Python's str.split(). */
export function whitespaceTokens(text: string): string[] {
  return text.split(PY_WHITESPACE).filter((t) => t !== '');
}

const BASIC = /[\p{L}\p{N}_]+(?:['\u2019][\p{L}]+)*|[^\s\p{L}\p{N}_]/gu;

/** Words (letters/digits, with inner apostrophes) and single punctuation characters. */
export function basicTokens(text: string): string[] {
  return text.match(BASIC) ?? [];
}

export type Splitter = 'whitespace' | 'basic';

export interface Tokenizer {
  readonly vocab: Vocabulary;
  tokenize(text: string): string[];
  encode(text: string): Int32Array;
  decode(ids: ArrayLike<number>): string;
  toJSON(): TokenizerJson;
}

export type TokenizerJson =
  | { type: 'char'; vocab: VocabularyJson }
  | { type: 'word'; lower: boolean; split: Splitter; vocab: VocabularyJson };

/** One token per character (Unicode code point). */
export class CharTokenizer implements Tokenizer {
  constructor(readonly vocab: Vocabulary) {}

  /**
   * The sorted set of characters of `text` (by code point, as Python's sorted(set(text))): ids
   * are positions in that list, as in nanoGPT's shakespeare_char. No padding or unknown token
   * unless asked for (they then come first).
   */
  static fromText(text: string, options: { padToken?: string | null; unkToken?: string | null } = {}): CharTokenizer {
    const chars = [...new Set(Array.from(text))].sort((a, b) => a.codePointAt(0)! - b.codePointAt(0)!);
    const specials = [options.padToken ?? null, options.unkToken ?? null].filter((t): t is string => t !== null);
    return new CharTokenizer(new Vocabulary([...specials, ...chars.filter((c) => !specials.includes(c))],
      { padToken: options.padToken ?? null, unkToken: options.unkToken ?? null }));
  }

  tokenize(text: string): string[] { return Array.from(text); }
  encode(text: string): Int32Array { return this.vocab.encode(this.tokenize(text)); }
  decode(ids: ArrayLike<number>): string { return this.vocab.decode(ids).join(''); }
  get size(): number { return this.vocab.size; }
  toJSON(): TokenizerJson { return { type: 'char', vocab: this.vocab.toJSON() }; }
}

export interface WordTokenizerOptions extends VocabularyOptions {
  /** Lower-case before splitting (default true). */
  lower?: boolean;
  /** 'whitespace' (Python's str.split, default) or 'basic' (punctuation split off words). */
  split?: Splitter;
}

/** Words from a vocabulary with padding and out-of-vocabulary tokens. */
export class WordTokenizer implements Tokenizer {
  constructor(readonly vocab: Vocabulary, readonly lower = true, readonly split: Splitter = 'whitespace') {}

  /** Builds the vocabulary from texts (most frequent tokens first, limited to maxSize). */
  static fit(texts: Iterable<string>, options: WordTokenizerOptions = {}): WordTokenizer {
    const lower = options.lower ?? true, split = options.split ?? 'whitespace';
    const probe = new WordTokenizer(new Vocabulary([]), lower, split);
    const tokenized = function* () { for (const t of texts) yield probe.tokenize(t); };
    return new WordTokenizer(Vocabulary.build(tokenized(), options), lower, split);
  }

  tokenize(text: string): string[] {
    const t = this.lower ? text.toLowerCase() : text;
    return this.split === 'basic' ? basicTokens(t) : whitespaceTokens(t);
  }

  encode(text: string): Int32Array { return this.vocab.encode(this.tokenize(text)); }
  decode(ids: ArrayLike<number>): string { return this.vocab.decode(ids).join(' '); }
  get size(): number { return this.vocab.size; }

  toJSON(): TokenizerJson { return { type: 'word', lower: this.lower, split: this.split, vocab: this.vocab.toJSON() }; }
}

export function tokenizerFromJSON(json: TokenizerJson): CharTokenizer | WordTokenizer {
  if (json?.type === 'char') return new CharTokenizer(Vocabulary.fromJSON(json.vocab));
  if (json?.type === 'word') return new WordTokenizer(Vocabulary.fromJSON(json.vocab), json.lower, json.split);
  throw new Error(`tokenizerFromJSON: unknown tokenizer type ${JSON.stringify((json as { type?: unknown })?.type)}`);
}

export function saveTokenizer(tokenizer: Tokenizer, path: string): void {
  writeFileAtomic(path, JSON.stringify(tokenizer.toJSON()) + '\n');
}

export function loadTokenizer(path: string): CharTokenizer | WordTokenizer {
  return tokenizerFromJSON(JSON.parse(readFileSync(path, 'utf8')) as TokenizerJson);
}
