// CSV reading: an RFC 4180 record parser and a numeric table reader with a label column.
//
// The parser keeps the 1-based line on which each record starts, so that every error about
// a cell can point at the line a user sees in an editor, even after quoted fields that span
// lines and after skipped blank lines.

export interface CsvRecord {
  /** 1-based line number of the record's first character. */
  line: number;
  fields: string[];
}

export interface ParseCsvOptions {
  /** Field separator, one character; default ','. */
  delimiter?: string;
  /** Name of the input for error messages; default 'CSV input'. */
  source?: string;
  /** Physical lines to skip before parsing (a preamble); line numbers still count them. */
  skipLines?: number;
}

/**
 * Splits CSV text into records. Quoted fields may hold delimiters, doubled quotes ("") and
 * line breaks. Line breaks are LF, CRLF or a lone CR. Blank lines (nothing but spaces) are
 * skipped; a trailing newline does not make an empty record. A leading UTF-8 BOM is ignored.
 */
export function parseCsv(text: string, opts: ParseCsvOptions = {}): CsvRecord[] {
  const delim = opts.delimiter ?? ',';
  const source = opts.source ?? 'CSV input';
  if (delim.length !== 1 || delim === '"' || delim === '\n' || delim === '\r') {
    throw new Error(`${source}: delimiter must be one character other than a quote or line break, got ${JSON.stringify(delim)}`);
  }
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;
  // Skip the preamble by physical lines (a quote in it has no meaning).
  for (let skip = opts.skipLines ?? 0; skip > 0 && i < text.length; i++) {
    const c = text[i];
    if (c === '\n' || (c === '\r' && text[i + 1] !== '\n')) { skip--; line++; }
  }

  const records: CsvRecord[] = [];
  let fields: string[] = [];
  let field = '';
  let recordLine = line;
  let quotedInRecord = false; // a record of one empty quoted field ("") is not blank
  const endRecord = (): void => {
    fields.push(field);
    const blank = !quotedInRecord && fields.length === 1 && fields[0]!.trim() === '';
    if (!blank) records.push({ line: recordLine, fields });
    fields = [];
    field = '';
    quotedInRecord = false;
  };
  const n = text.length;
  let atFieldStart = true;
  while (i < n) {
    const c = text[i]!;
    if (c === '"' && atFieldStart && field.trim() === '') {
      // Quoted field: runs to the next quote that is not doubled.
      quotedInRecord = true;
      const openLine = line;
      field = '';
      i++;
      for (;;) {
        if (i >= n) throw new Error(`${source}: line ${openLine}: quoted field is not closed before the end of the input`);
        const q = text[i]!;
        if (q === '"') {
          if (text[i + 1] === '"') { field += '"'; i += 2; continue; }
          i++;
          break;
        }
        if (q === '\n' || (q === '\r' && text[i + 1] !== '\n')) line++;
        field += q;
        i++;
      }
      // After the closing quote only spaces may come before the delimiter or line end.
      while (i < n && (text[i] === ' ' || text[i] === '\t') && text[i] !== delim) i++;
      if (i < n && text[i] !== delim && text[i] !== '\n' && text[i] !== '\r') {
        throw new Error(`${source}: line ${line}: unexpected ${JSON.stringify(text[i])} after a closing quote ` +
          '(a quote inside a quoted field must be doubled: "")');
      }
      atFieldStart = false;
      continue;
    }
    if (c === delim) {
      fields.push(field);
      field = '';
      atFieldStart = true;
      i++;
    } else if (c === '\n' || c === '\r') {
      endRecord();
      i += c === '\r' && text[i + 1] === '\n' ? 2 : 1;
      line++;
      recordLine = line;
      atFieldStart = true;
    } else {
      // A bare quote inside an unquoted field is kept literally (e.g. 5'11"), as most readers do.
      field += c;
      if (c !== ' ' && c !== '\t') atFieldStart = false;
      i++;
    }
  }
  if (field !== '' || fields.length > 0 || quotedInRecord) endRecord();
  return records;
}

export interface ReadCsvTableOptions {
  /** Label column: header name, or index (negative counts from the end). None: no labels. */
  label?: string | number;
  /** Whether the first record is a header; 'auto' (default) detects it. */
  header?: boolean | 'auto';
  /** Name of the file for error messages. */
  source?: string;
  delimiter?: string;
  /** Physical lines to skip before the table starts. */
  skipLines?: number;
}

export interface CsvTable {
  /** Names of the feature columns (header names, or col0, col1, ... by column index). */
  featureNames: string[];
  /** Row-major [rows, nFeatures]. */
  features: Float32Array;
  rows: number;
  nFeatures: number;
  /** Present when a label column was chosen. */
  labels?: Int32Array;
  /** Present when labels were strings: classNames[k] is the name of label k (sorted order). */
  classNames?: string[];
  /** Whether a header row was used (relevant with header: 'auto'). */
  hasHeader: boolean;
}

// Plain decimal numbers only: Number() would also accept '', ' ', '0x1F' and 'Infinity'.
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
// Common spellings of a missing value, reported as such rather than as "not a number".
const MISSING = new Set(['', 'na', 'n/a', 'nan', 'null', 'none', '?', '-']);

function isNumeric(cell: string): boolean {
  return NUMBER.test(cell.trim());
}

/**
 * Reads a numeric table with an optional integer or string label column.
 * Every feature cell must be a decimal number; errors name the source, line and column.
 */
export function readCsvTable(text: string, opts: ReadCsvTableOptions = {}): CsvTable {
  const source = opts.source ?? 'CSV input';
  const records = parseCsv(text, { source, delimiter: opts.delimiter, skipLines: opts.skipLines });
  if (records.length === 0) throw new Error(`${source}: no rows (the CSV input is empty)`);

  const hasHeader = opts.header === undefined || opts.header === 'auto'
    ? detectHeader(records)
    : opts.header;
  const nCols = records[0]!.fields.length;
  const header = hasHeader ? records[0]!.fields.map((f) => f.trim()) : undefined;
  const body = hasHeader ? records.slice(1) : records;
  const colName = (c: number): string => header ? `column ${c + 1} ("${header[c]}")` : `column ${c + 1}`;

  for (const r of body) {
    if (r.fields.length !== nCols) {
      throw new Error(`${source}: line ${r.line}: expected ${nCols} columns ` +
        `(as on line ${records[0]!.line}), found ${r.fields.length}`);
    }
  }

  const labelCol = opts.label === undefined ? -1 : resolveLabelColumn(opts.label, header, nCols, source, hasHeader);
  const featureCols: number[] = [];
  for (let c = 0; c < nCols; c++) if (c !== labelCol) featureCols.push(c);
  const nFeatures = featureCols.length;
  const rows = body.length;

  const features = new Float32Array(rows * nFeatures);
  for (let r = 0; r < rows; r++) {
    const rec = body[r]!;
    for (let j = 0; j < nFeatures; j++) {
      const c = featureCols[j]!;
      const cell = rec.fields[c]!.trim();
      if (!NUMBER.test(cell)) {
        const what = MISSING.has(cell.toLowerCase()) ? 'missing value' : 'non-numeric value';
        throw new Error(`${source}: line ${rec.line}, ${colName(c)}: ${what} ${JSON.stringify(cell)} (features must be numbers)`);
      }
      features[r * nFeatures + j] = Number(cell);
    }
  }

  const table: CsvTable = {
    featureNames: featureCols.map((c) => header ? header[c]! : `col${c}`),
    features, rows, nFeatures, hasHeader,
  };
  if (labelCol >= 0) Object.assign(table, readLabels(body, labelCol, colName(labelCol), source));
  return table;
}

// A header exists when the first record has a non-numeric cell in a column whose second
// record is numeric (a name above numbers). Looking at one row alone would take a first
// data row with a string label ("5.1,3.5,setosa") for a header.
function detectHeader(records: CsvRecord[]): boolean {
  const first = records[0]!.fields;
  if (records.length === 1) return first.some((f) => !isNumeric(f));
  const second = records[1]!.fields;
  return first.some((f, c) => !isNumeric(f) && c < second.length && isNumeric(second[c]!));
}

function resolveLabelColumn(label: string | number, header: string[] | undefined, nCols: number,
  source: string, hasHeader: boolean): number {
  const available = header
    ? header.map((h, c) => `${c}: "${h}"`).join(', ')
    : `indices 0..${nCols - 1} (or -1..-${nCols} from the end)`;
  if (typeof label === 'number') {
    if (!Number.isInteger(label) || label >= nCols || label < -nCols) {
      throw new Error(`${source}: label column ${label} does not exist; available columns: ${available}`);
    }
    return label < 0 ? nCols + label : label;
  }
  if (!hasHeader || !header) {
    throw new Error(`${source}: label column "${label}" is given by name, but the file has no header row ` +
      `(pass header: true if its first line holds the names, or give the label column by index: ${available})`);
  }
  const matches = header.flatMap((h, c) => (h === label ? [c] : []));
  if (matches.length === 0) {
    throw new Error(`${source}: unknown label column "${label}"; available columns: ${available}`);
  }
  if (matches.length > 1) {
    throw new Error(`${source}: label column "${label}" is ambiguous: it names columns ${matches.join(' and ')}`);
  }
  return matches[0]!;
}

// Numeric labels must be integers and are kept as they are; otherwise every distinct string
// becomes a class, numbered in sorted order so that the mapping does not depend on row order.
function readLabels(body: CsvRecord[], col: number, colName: string, source: string):
  { labels: Int32Array; classNames?: string[] } {
  const cells = body.map((r) => r.fields[col]!.trim());
  for (let r = 0; r < cells.length; r++) {
    if (cells[r] === '') throw new Error(`${source}: line ${body[r]!.line}, ${colName}: missing label`);
  }
  const labels = new Int32Array(cells.length);
  if (cells.every((c) => NUMBER.test(c))) {
    for (let r = 0; r < cells.length; r++) {
      const v = Number(cells[r]);
      if (!Number.isInteger(v) || v < -2147483648 || v > 2147483647) {
        throw new Error(`${source}: line ${body[r]!.line}, ${colName}: label ${cells[r]} is not an integer ` +
          '(numeric labels must be integer class indices)');
      }
      labels[r] = v;
    }
    return { labels };
  }
  const classNames = [...new Set(cells)].sort();
  const index = new Map(classNames.map((name, k) => [name, k]));
  for (let r = 0; r < cells.length; r++) labels[r] = index.get(cells[r]!)!;
  return { labels, classNames };
}
