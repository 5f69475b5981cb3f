// JSON for benchmark reports: indented like JSON.stringify(x, null, 2), except that a flat
// object (only numbers, strings, booleans, null or arrays of those) and a flat array stay on one
// line, so a table of result rows reads one row per line.

function isPrimitive(v: unknown): boolean {
  return v === null || (typeof v !== 'object' && typeof v !== 'function');
}

function isFlat(v: unknown): boolean {
  if (isPrimitive(v)) return true;
  if (Array.isArray(v)) return v.every(isPrimitive);
  return Object.values(v as Record<string, unknown>).every((x) => isPrimitive(x) || (Array.isArray(x) && x.every(isPrimitive)));
}

export function prettyJson(value: unknown, indent = ''): string {
  if (value === undefined) return 'null';
  if (isPrimitive(value) || typeof (value as { toJSON?: unknown }).toJSON === 'function') return JSON.stringify(value) ?? 'null';
  const inner = indent + '  ';
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    if (value.every(isPrimitive)) return JSON.stringify(value);
    return '[\n' + value.map((x) => inner + (isFlat(x) ? JSON.stringify(x) : prettyJson(x, inner))).join(',\n') + '\n' + indent + ']';
  }
  const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
  if (entries.length === 0) return '{}';
  return '{\n' + entries.map(([k, v]) => {
    const body = !isPrimitive(v) && !Array.isArray(v) && isFlat(v) && JSON.stringify(v).length <= 100
      ? JSON.stringify(v) : prettyJson(v, inner);
    return `${inner}${JSON.stringify(k)}: ${body}`;
  }).join(',\n') + '\n' + indent + '}';
}
