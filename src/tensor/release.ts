// Handing an intermediate's memory back to the backend before the garbage collector would
// find it dead (see backend/storage-pool.ts for why that matters).

import { backend } from '../backend/index.js';
import type { Tensor } from './tensor.js';

/**
 * Gives `t`'s storage back to the backend for reuse. Only for a tensor that nothing will read
 * again: an intermediate that the caller produced, that no one else has seen, and that no op
 * kept for its backward. The Tensor object stays valid as a graph node; its values do not.
 */
export function releaseStorage(t: Tensor): void {
  backend().release?.([t.storage]);
}
