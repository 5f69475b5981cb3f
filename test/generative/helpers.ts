// Shared helpers of the generative tests: where their fixtures are.

import { fileURLToPath } from 'node:url';

// Compiled to dist/test/generative/, so the repository root is three levels up.
export const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/generative/', import.meta.url));
