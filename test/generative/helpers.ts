// Shared helpers of the generative tests: fixture loading.

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// Compiled to dist/test/generative/, so the repository root is three levels up.
export const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/generative/', import.meta.url));

export function loadFixture<T>(name: string): T {
  return JSON.parse(readFileSync(FIXTURES + name, 'utf8')) as T;
}

export { decode, type EncodedTensor } from '../nn/helpers.js';
