// The text package: vocabularies, tokenizers (character, word), padding and masks.

export { Vocabulary, type VocabularyOptions, type VocabularyJson } from './vocabulary.js';
export {
  CharTokenizer, WordTokenizer, tokenizerFromJSON, saveTokenizer, loadTokenizer, splitLines, whitespaceTokens, basicTokens,
  PY_WHITESPACE, PY_LINE_BREAK, type Tokenizer, type TokenizerJson, type WordTokenizerOptions, type Splitter,
} from './tokenizers.js';
export { padSequences, paddingMaskOf, type PadOptions, type PaddedBatch } from './padding.js';
