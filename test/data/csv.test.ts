import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCsv, readCsvTable } from '../../src/data/csv.js';

const fields = (text: string) => parseCsv(text).map((r) => r.fields);

test('parseCsv: plain records, trailing newline, no trailing newline', () => {
  assert.deepEqual(fields('a,b\n1,2\n'), [['a', 'b'], ['1', '2']]);
  assert.deepEqual(fields('a,b\n1,2'), [['a', 'b'], ['1', '2']]);
  assert.deepEqual(fields('a,,c\n'), [['a', '', 'c']]);
  assert.deepEqual(fields('a,b,\n'), [['a', 'b', '']]);
  assert.deepEqual(fields(''), []);
});

test('parseCsv: RFC 4180 quotes hold delimiters, doubled quotes and line breaks', () => {
  assert.deepEqual(fields('"a,b","say ""hi""",c\n'), [['a,b', 'say "hi"', 'c']]);
  assert.deepEqual(fields('"line1\nline2",x\ny,z\n'), [['line1\nline2', 'x'], ['y', 'z']]);
  assert.deepEqual(fields('"",x\n'), [['', 'x']]);
  // A bare quote inside an unquoted field is literal.
  assert.deepEqual(fields('5\'11",x\n'), [['5\'11"', 'x']]);
});

test('parseCsv: CRLF, lone CR, BOM and blank lines', () => {
  assert.deepEqual(fields('\ufeffa,b\r\n1,2\r\n'), [['a', 'b'], ['1', '2']]);
  assert.deepEqual(fields('a\rb\r'), [['a'], ['b']]);
  assert.deepEqual(fields('\n\na,b\n  \n\r\n1,2\n\n'), [['a', 'b'], ['1', '2']]);
  // A lone quoted empty field is a record, not a blank line.
  assert.deepEqual(fields('""\n'), [['']]);
});

test('parseCsv: line numbers count blank lines and lines inside quoted fields', () => {
  const recs = parseCsv('a,b\n\n"x\r\ny",1\n2,3\n');
  assert.deepEqual(recs.map((r) => r.line), [1, 3, 5]);
  const skipped = parseCsv('# preamble "with quote\r\nsecond\na,b\n', { skipLines: 2 });
  assert.deepEqual(skipped, [{ line: 3, fields: ['a', 'b'] }]);
});

test('parseCsv: other delimiter', () => {
  assert.deepEqual(parseCsv('a;b\n"1;2";3\n', { delimiter: ';' }).map((r) => r.fields), [['a', 'b'], ['1;2', '3']]);
});

test('parseCsv: unclosed quote and text after a closing quote are errors with line numbers', () => {
  assert.throws(() => parseCsv('a,b\n1,"open\n2,3\n', { source: 'f.csv' }),
    /f\.csv: line 2: quoted field is not closed/);
  assert.throws(() => parseCsv('a\n"x"y,1\n', { source: 'g.csv' }), /g\.csv: line 2: unexpected "y" after a closing quote/);
});

test('readCsvTable: header by name, label by name, string classes in sorted order', () => {
  const text = 'sepal,species,petal\n1.5,virginica,2\n-3,setosa,4e-1\n0.25,versicolor,.5\n7,setosa,8\n';
  const t = readCsvTable(text, { label: 'species', source: 'iris.csv' });
  assert.equal(t.hasHeader, true);
  assert.deepEqual(t.featureNames, ['sepal', 'petal']);
  assert.equal(t.rows, 4);
  assert.equal(t.nFeatures, 2);
  assert.deepEqual([...t.features], [1.5, 2, -3, Math.fround(0.4), 0.25, 0.5, 7, 8]);
  assert.deepEqual(t.classNames, ['setosa', 'versicolor', 'virginica']);
  assert.deepEqual([...t.labels!], [2, 0, 1, 0]);
});

test('readCsvTable: numeric integer labels are kept; label by index and negative index', () => {
  const text = '1,2,5\n3,4,0\n5,6,-2\n';
  const last = readCsvTable(text, { label: -1, header: false });
  assert.deepEqual([...last.labels!], [5, 0, -2]);
  assert.equal(last.classNames, undefined);
  assert.deepEqual([...last.features], [1, 2, 3, 4, 5, 6]);
  assert.deepEqual(last.featureNames, ['col0', 'col1']);
  const first = readCsvTable(text, { label: 0, header: false });
  assert.deepEqual([...first.labels!], [1, 3, 5]);
  assert.deepEqual([...first.features], [2, 5, 4, 0, 6, -2]);
  assert.deepEqual(first.featureNames, ['col1', 'col2']);
});

test('readCsvTable: no label column gives only features', () => {
  const t = readCsvTable('x,y\n1,2\n3,4\n');
  assert.equal(t.labels, undefined);
  assert.deepEqual([...t.features], [1, 2, 3, 4]);
});

test('readCsvTable: header auto detection', () => {
  assert.equal(readCsvTable('a,b\n1,2\n').hasHeader, true);
  assert.equal(readCsvTable('1,2\n3,4\n').hasHeader, false);
  // A string label in the first data row is not a header: the column below is not numeric.
  const t = readCsvTable('5.1,setosa\n6.0,virginica\n', { label: 1 });
  assert.equal(t.hasHeader, false);
  assert.equal(t.rows, 2);
  assert.deepEqual(t.classNames, ['setosa', 'virginica']);
  // Forcing header: false turns a header into a data error.
  assert.throws(() => readCsvTable('a,b\n1,2\n', { header: false, source: 'h.csv' }),
    /h\.csv: line 1, column 1: non-numeric value "a"/);
});

test('readCsvTable: non-numeric and missing cells name file, line and column', () => {
  const text = 'a,b,label\n1,2,0\n\n3,abc,1\n';
  assert.throws(() => readCsvTable(text, { label: 'label', source: 'data.csv' }),
    /data\.csv: line 4, column 2 \("b"\): non-numeric value "abc"/);
  assert.throws(() => readCsvTable('a,b\n1,\n', { source: 'm.csv' }),
    /m\.csv: line 2, column 2 \("b"\): missing value ""/);
  assert.throws(() => readCsvTable('1,NA\n', { header: false, source: 'n.csv' }),
    /n\.csv: line 1, column 2: missing value "NA"/);
  // Number() would accept these; a CSV reader must not.
  assert.throws(() => readCsvTable('1,0x10\n', { header: false }), /non-numeric value "0x10"/);
  assert.throws(() => readCsvTable('1,Infinity\n', { header: false }), /non-numeric value "Infinity"/);
});

test('readCsvTable: wrong column count names the line', () => {
  assert.throws(() => readCsvTable('a,b\n1,2\n3,4,5\n', { source: 'w.csv' }),
    /w\.csv: line 3: expected 2 columns \(as on line 1\), found 3/);
});

test('readCsvTable: unknown label column lists the available ones', () => {
  assert.throws(() => readCsvTable('x,y,z\n1,2,3\n', { label: 'target', source: 'u.csv' }),
    /u\.csv: unknown label column "target"; available columns: 0: "x", 1: "y", 2: "z"/);
  assert.throws(() => readCsvTable('x,y\n1,2\n', { label: 2 }), /label column 2 does not exist; available columns: 0: "x", 1: "y"/);
  assert.throws(() => readCsvTable('x,y\n1,2\n', { label: -3 }), /label column -3 does not exist/);
  assert.throws(() => readCsvTable('1,2\n', { label: 'y', header: false, source: 'nh.csv' }),
    /nh\.csv: label column "y" is given by name, but the file has no header row/);
});

test('readCsvTable: labels must be integers when numeric, and present', () => {
  assert.throws(() => readCsvTable('1,0.5\n2,1\n', { header: false, label: -1, source: 'l.csv' }),
    /l\.csv: line 1, column 2: label 0.5 is not an integer/);
  assert.throws(() => readCsvTable('a,y\n1,cat\n2,\n', { label: 'y', source: 'e.csv' }),
    /e\.csv: line 3, column 2 \("y"\): missing label/);
});

test('readCsvTable: header-only file has zero rows; empty file is an error', () => {
  const t = readCsvTable('a,b,y\n', { label: 'y', header: true });
  assert.equal(t.rows, 0);
  assert.equal(t.nFeatures, 2);
  assert.deepEqual([...t.labels!], []);
  assert.throws(() => readCsvTable('\n\n', { source: 'z.csv' }), /z\.csv: no rows/);
});
