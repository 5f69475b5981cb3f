// Vocabularies: token <-> id maps with padding and out-of-vocabulary tokens, built from token
// counts (most frequent first, ties in order of first appearance, as Python's
// Counter.most_common), limited in size, saved and loaded as JSON.

import { readFileSync } from 'node:fs';
import { writeFileAtomic } from '../io/atomic-write.js';

export interface VocabularyOptions {
  /** Total size including the special tokens (default: every token seen). */
  maxSize?: number;
  /** Drop tokens seen fewer times (default 1). */
  minFreq?: number;
  /** Padding token, id 0 (default '<pad>'); null for none. */
  padToken?: string | null;
  /** Out-of-vocabulary token, the next id (default '<unk>'); null for none (unknown tokens throw). */
  unkToken?: string | null;
  /** More reserved tokens after pad and unk, e.g. ['[CLS]', '[SEP]', '[MASK]']. */
  specialTokens?: string[];
}

export interface VocabularyJson {
  tokens: string[];
  padToken: string | null;
  unkToken: string | null;
  specialTokens: string[];
}

export class Vocabulary {
  readonly tokens: readonly string[];
  readonly padToken: string | null;
  readonly unkToken: string | null;
  readonly specialTokens: readonly string[];
  private readonly index: Map<string, number>;

  constructor(tokens: readonly string[], options: { padToken?: string | null; unkToken?: string | null; specialTokens?: readonly string[] } = {}) {
    this.tokens = tokens.slice();
    this.index = new Map();
    tokens.forEach((t, i) => {
      if (this.index.has(t)) throw new Error(`Vocabulary: token ${JSON.stringify(t)} appears twice`);
      this.index.set(t, i);
    });
    this.padToken = options.padToken ?? null;
    this.unkToken = options.unkToken ?? null;
    this.specialTokens = (options.specialTokens ?? []).slice();
    for (const t of [this.padToken, this.unkToken, ...this.specialTokens]) {
      if (t !== null && !this.index.has(t)) throw new Error(`Vocabulary: special token ${JSON.stringify(t)} is not in the token list`);
    }
  }

  /**
   * Builds a vocabulary from tokenized texts: the special tokens first (pad = 0, unk = 1, then
   * specialTokens), then the most frequent tokens.
   */
  static build(texts: Iterable<readonly string[]>, options: VocabularyOptions = {}): Vocabulary {
    const padToken = options.padToken === undefined ? '<pad>' : options.padToken;
    const unkToken = options.unkToken === undefined ? '<unk>' : options.unkToken;
    const specials = [padToken, unkToken, ...(options.specialTokens ?? [])].filter((t): t is string => t !== null);
    const counts = new Map<string, number>();
    for (const toks of texts) for (const t of toks) counts.set(t, (counts.get(t) ?? 0) + 1);
    const minFreq = options.minFreq ?? 1;
    // Map iteration is insertion order; a stable sort keeps first appearance among equal counts
    const ranked = [...counts].filter(([t, n]) => n >= minFreq && !specials.includes(t)).sort((a, b) => b[1] - a[1]);
    const room = options.maxSize === undefined ? ranked.length : Math.max(0, options.maxSize - specials.length);
    if (options.maxSize !== undefined && options.maxSize < specials.length) {
      throw new Error(`Vocabulary.build: maxSize ${options.maxSize} cannot hold the ${specials.length} special tokens`);
    }
    const tokens = [...specials, ...ranked.slice(0, room).map(([t]) => t)];
    return new Vocabulary(tokens, { padToken, unkToken, specialTokens: options.specialTokens });
  }

  get size(): number { return this.tokens.length; }
  get padId(): number { return this.padToken === null ? -1 : this.index.get(this.padToken)!; }
  get unkId(): number { return this.unkToken === null ? -1 : this.index.get(this.unkToken)!; }

  has(token: string): boolean { return this.index.has(token); }

  /** The id of a token (unk's id when unknown; throws when the vocabulary has no unk token). */
  id(token: string): number {
    const i = this.index.get(token);
    if (i !== undefined) return i;
    if (this.unkToken === null) throw new Error(`Vocabulary: unknown token ${JSON.stringify(token)} and no unkToken`);
    return this.unkId;
  }

  token(id: number): string {
    const t = this.tokens[id];
    if (t === undefined) throw new RangeError(`Vocabulary: id ${id} is out of range for ${this.size} tokens`);
    return t;
  }

  encode(tokens: readonly string[]): Int32Array {
    return Int32Array.from(tokens, (t) => this.id(t));
  }

  decode(ids: ArrayLike<number>, options: { skipSpecial?: boolean } = {}): string[] {
    const out: string[] = [];
    // padding is always dropped; skipSpecial also drops unk and the other special tokens
    const skip = new Set([this.padToken, ...(options.skipSpecial ? [this.unkToken, ...this.specialTokens] : [])]);
    for (let i = 0; i < ids.length; i++) {
      const t = this.token(ids[i]);
      if (!skip.has(t)) out.push(t);
    }
    return out;
  }

  toJSON(): VocabularyJson {
    return { tokens: this.tokens.slice(), padToken: this.padToken, unkToken: this.unkToken, specialTokens: this.specialTokens.slice() };
  }

  static fromJSON(json: VocabularyJson): Vocabulary {
    if (!json || !Array.isArray(json.tokens)) throw new Error('Vocabulary.fromJSON: expected an object with a tokens array');
    return new Vocabulary(json.tokens, json);
  }

  save(path: string): void {
    writeFileAtomic(path, JSON.stringify(this.toJSON()) + '\n');
  }

  static load(path: string): Vocabulary {
    return Vocabulary.fromJSON(JSON.parse(readFileSync(path, 'utf8')) as VocabularyJson);
  }
}
