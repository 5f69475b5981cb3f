// Whether ops record the graph. noGrad(fn) runs fn without recording, for evaluation and
// optimizer updates. It is for synchronous code: the flag is restored when fn returns, so do
// not await inside it.

let enabled = true;

export function isGradEnabled(): boolean {
  return enabled;
}

function withGradMode<T>(mode: boolean, fn: () => T): T {
  const previous = enabled;
  enabled = mode;
  try {
    const result = fn();
    if (result && typeof (result as { then?: unknown }).then === 'function') {
      throw new Error('noGrad/enableGrad: the function returned a promise; grad mode only covers synchronous code');
    }
    return result;
  } finally {
    enabled = previous;
  }
}

/** Runs fn with gradient recording off (torch.no_grad). */
export function noGrad<T>(fn: () => T): T {
  return withGradMode(false, fn);
}

/** Runs fn with gradient recording on, e.g. inside a noGrad block (torch.enable_grad). */
export function enableGrad<T>(fn: () => T): T {
  return withGradMode(true, fn);
}

/** Sets grad mode globally; returns the previous mode. Prefer noGrad(fn). */
export function setGradEnabled(mode: boolean): boolean {
  const previous = enabled;
  enabled = mode;
  return previous;
}
