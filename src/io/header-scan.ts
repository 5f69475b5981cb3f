// A bounded pass over a safetensors JSON header before JSON.parse touches it. A header comes
// from a stranger: a 100 MB run of `[` would otherwise cost JSON.parse seconds and gigabytes (or
// overflow the stack of a recursive reader), a million empty tensors as much, and JSON.parse
// silently keeps the last of two equal keys. One linear scan over the bytes, with no allocation
// but the key sets, checks the header's shape: nesting at most 3 deep (header, entry, shape),
// arrays at most MAX_ARRAY long, at most MAX_TENSORS entries, names at most MAX_NAME_BYTES, and
// no key twice in one object. Errors quote at most a few dozen bytes of the file.

export const HEADER_LIMITS = {
  /** Containers nested in the header: the header object, an entry or __metadata__, a shape. */
  depth: 3,
  /** Tensors (top-level keys) in one file. */
  tensors: 200_000,
  /** Bytes of one tensor name or metadata key. */
  nameBytes: 4096,
  /** Elements of one array (shapes and data_offsets; no tensor has more axes). */
  arrayLength: 64,
};

/** s shortened for an error message: at most 40 characters, then how long it was. */
export function clip(s: string): string {
  return s.length <= 40 ? `'${s}'` : `'${s.slice(0, 40)}...' (${s.length} characters)`;
}

const QUOTE = 0x22, BACKSLASH = 0x5c, COMMA = 0x2c;
const OPEN_OBJECT = 0x7b, CLOSE_OBJECT = 0x7d, OPEN_ARRAY = 0x5b, CLOSE_ARRAY = 0x5d;

/** An open object or array; expectNew: the next string is a key (object) or the next value a new element (array). */
interface Level { object: boolean; keys: Set<string> | null; expectNew: boolean; count: number }

/** The index of the quote that closes the string opening before `start` (-1: none). */
function closingQuote(raw: Uint8Array, start: number): number {
  for (let q = raw.indexOf(QUOTE, start); q >= 0; q = raw.indexOf(QUOTE, q + 1)) {
    let slashes = 0;
    while (q - 1 - slashes >= start && raw[q - 1 - slashes] === BACKSLASH) slashes++;
    if (slashes % 2 === 0) return q;
  }
  return -1;
}

/** A key's text: the bytes as they are for short ASCII keys (most), else decoded and unescaped. */
function keyText(raw: Uint8Array, start: number, end: number, decoder: TextDecoder): string {
  let plain = end - start <= 64;
  for (let k = start; plain && k < end; k++) if (raw[k] >= 0x80 || raw[k] === BACKSLASH) plain = false;
  if (plain) return String.fromCharCode(...raw.subarray(start, end));
  return String(JSON.parse(`"${decoder.decode(raw.subarray(start, end))}"`));
}

/** Throws (naming `where` and the byte position) unless the header keeps within HEADER_LIMITS. */
export function scanHeader(raw: Uint8Array, where: string): void {
  const decoder = new TextDecoder();
  const stack: Level[] = [];
  const fail = (pos: number, what: string): never => { throw new Error(`${where}: header byte ${pos}: ${what}`); };
  for (let i = 0; i < raw.length; i++) {
    const b = raw[i];
    if (b === QUOTE) {
      countElement(stack, i, fail);
      const start = i + 1;
      i = closingQuote(raw, start);
      if (i < 0) fail(start - 1, 'unterminated string');
      const top = stack[stack.length - 1];
      if (top !== undefined && top.object && top.expectNew) {
        top.expectNew = false;
        if (i - start > HEADER_LIMITS.nameBytes) fail(start, `a key of ${i - start} bytes (the limit is ${HEADER_LIMITS.nameBytes})`);
        let key: string;
        try {
          key = keyText(raw, start, i, decoder);
        } catch {
          key = fail(start, 'a key that is not a valid JSON string');
        }
        if (top.keys!.has(key)) fail(start, `the key ${clip(key)} appears twice in one object`);
        top.keys!.add(key);
        if (stack.length === 1 && top.keys!.size > HEADER_LIMITS.tensors) fail(start, `more than ${HEADER_LIMITS.tensors} tensors`);
      }
    } else if (b === OPEN_OBJECT || b === OPEN_ARRAY) {
      if (stack.length >= HEADER_LIMITS.depth) fail(i, `nesting deeper than ${HEADER_LIMITS.depth} levels`);
      countElement(stack, i, fail);
      stack.push({ object: b === OPEN_OBJECT, keys: b === OPEN_OBJECT ? new Set() : null, expectNew: b === OPEN_OBJECT, count: 0 });
    } else if (b === CLOSE_OBJECT || b === CLOSE_ARRAY) {
      stack.pop();
    } else if (b === COMMA) {
      // in an object the next string is a key; in an array the next value is a new element
      const top = stack[stack.length - 1];
      if (top !== undefined) top.expectNew = true;
    } else if (b > 0x20) {
      countElement(stack, i, fail); // a number, true, false or null starts (or goes on) here
    }
  }
}

/** Counts a value starting in the innermost array (once per element: at its first byte after '[' or ','). */
function countElement(stack: Level[], pos: number, fail: (pos: number, what: string) => never): void {
  const top = stack[stack.length - 1];
  if (top === undefined || top.object) return;
  // a value's first byte follows '[' or ',' (or white space after them)
  if (top.count === 0 || top.expectNew) {
    top.count++;
    top.expectNew = false;
    if (top.count > HEADER_LIMITS.arrayLength) fail(pos, `an array longer than ${HEADER_LIMITS.arrayLength} elements`);
  }
}
