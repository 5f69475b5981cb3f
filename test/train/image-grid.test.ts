import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodePng, encodePng, type RasterImage } from '../../src/io/png.js';
import { drawText, glyph, hasGlyph } from '../../src/io/bitmap-font.js';
import { confusionMatrixImage, imageGrid, writeImageGrid } from '../../src/train/image-grid.js';

type Rgb = [number, number, number];

// Reads pixels back from the PNG file/bytes, so that the tests cover what a user would see.
function pixelReader(img: RasterImage & { channels: 4 }): (x: number, y: number) => Rgb {
  return (x, y) => {
    const i = (y * img.width + x) * 4;
    return [img.data[i], img.data[i + 1], img.data[i + 2]];
  };
}

const BG: Rgb = [40, 40, 40]; // documented default background

test('imageGrid places constant tiles at the documented positions and maps 0..1 to 0..255', () => {
  // Two 2x3 (h x w) grayscale images, scale 2, padding 1, two columns:
  // tile i spans x in [1 + i*(6+1), +6), y in [1, 5); the image is 15 x 6.
  const images = new Float32Array(2 * 2 * 3);
  images.fill(0.5, 0, 6);
  images.fill(1, 6, 12);
  const png = decodePng(encodePng(imageGrid(images, { n: 2, channels: 1, height: 2, width: 3, scale: 2, padding: 1, cols: 2 })));
  assert.equal(png.width, 15);
  assert.equal(png.height, 6);
  const px = pixelReader(png);
  for (let y = 0; y < 6; y++) {
    for (let x = 0; x < 15; x++) {
      const inTile0 = x >= 1 && x < 7 && y >= 1 && y < 5;
      const inTile1 = x >= 8 && x < 14 && y >= 1 && y < 5;
      const expected: Rgb = inTile0 ? [128, 128, 128] : inTile1 ? [255, 255, 255] : BG;
      assert.deepEqual(px(x, y), expected, `pixel (${x}, ${y})`);
    }
  }
});

test('imageGrid keeps orientation, clamps outside valueRange, wraps rows', () => {
  // 3 images of 2x2 in 2 columns, padding 0: image 2 starts the second row at y = 2.
  // Image 2 values (row-major): [[-1, 0.25], [0.75, 2]] with range [0, 1].
  const images = new Float32Array(12);
  images.set([-1, 0.25, 0.75, 2], 8);
  const png = decodePng(encodePng(imageGrid(images, { n: 3, channels: 1, height: 2, width: 2, cols: 2, padding: 0 })));
  assert.equal(png.width, 4);
  assert.equal(png.height, 4);
  const px = pixelReader(png);
  assert.deepEqual(px(0, 2), [0, 0, 0]);
  assert.deepEqual(px(1, 2), [64, 64, 64]); // round(0.25 * 255) = 64
  assert.deepEqual(px(0, 3), [191, 191, 191]); // round(0.75 * 255) = 191
  assert.deepEqual(px(1, 3), [255, 255, 255]);
  assert.deepEqual(px(2, 2), BG); // empty slot of the second row
});

test('imageGrid reads N x 3 x H x W as RGB planes; Uint8 input defaults to 0..255; valueRange rescales', () => {
  const rgb = new Float32Array(3 * 2 * 2);
  rgb.fill(1, 0, 4); // R plane
  rgb.fill(0, 4, 8); // G plane
  rgb.fill(0.5, 8, 12); // B plane
  const a = pixelReader(decodePng(encodePng(imageGrid(rgb, { n: 1, channels: 3, height: 2, width: 2, padding: 0 }))));
  assert.deepEqual(a(1, 1), [255, 0, 128]);
  const bytes = Uint8Array.from([0, 17, 200, 255]);
  const b = pixelReader(decodePng(encodePng(imageGrid(bytes, { n: 1, channels: 1, height: 2, width: 2, padding: 0 }))));
  assert.deepEqual(b(1, 0), [17, 17, 17]);
  assert.deepEqual(b(0, 1), [200, 200, 200]);
  const c = pixelReader(decodePng(encodePng(imageGrid(Float32Array.from([-1, 0, 1, 0]), { n: 1, channels: 1, height: 2, width: 2, padding: 0, valueRange: [-1, 1] }))));
  assert.deepEqual(c(0, 0), [0, 0, 0]);
  assert.deepEqual(c(1, 0), [128, 128, 128]);
  assert.deepEqual(c(0, 1), [255, 255, 255]);
});

test('imageGrid draws each caption in its colour below its own tile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'myelin-grid-'));
  const path = join(dir, 'grid.png');
  const green: Rgb = [0, 200, 0];
  const red: Rgb = [220, 0, 0];
  // Two black 10x10 tiles; captions are wider than a tile, so cells widen to fit them.
  writeImageGrid(path, new Float32Array(200), {
    n: 2, channels: 1, height: 10, width: 10, cols: 2, padding: 2,
    captions: ['Shirt', 'Bag/Coat'], captionColors: [green, red],
  });
  const png = decodePng(readFileSync(path));
  const px = pixelReader(png);
  const found = (color: Rgb) => {
    const at: Array<[number, number]> = [];
    for (let y = 0; y < png.height; y++) for (let x = 0; x < png.width; x++) if (px(x, y).every((v, i) => v === color[i])) at.push([x, y]);
    return at;
  };
  const greens = found(green);
  const reds = found(red);
  assert.ok(greens.length > 20 && reds.length > 20, 'both captions have ink');
  // Captions lie below the tiles (tiles occupy y in [2, 12)) and inside the image.
  for (const [, y] of [...greens, ...reds]) assert.ok(y >= 12, `caption pixel at y=${y} overlaps the tiles`);
  // The left caption is left of the right caption.
  assert.ok(Math.max(...greens.map(([x]) => x)) < Math.min(...reds.map(([x]) => x)));
  // Exactly the two tiles' 200 pixels are black: captions and padding never cover a tile.
  const blackPixels = found([0, 0, 0]).length;
  assert.equal(blackPixels, 200);
});

test('imageGrid rejects inconsistent arguments', () => {
  assert.throws(() => imageGrid(new Float32Array(10), { n: 2, channels: 1, height: 2, width: 2 }),
    /imageGrid: images has 10 values, expected n\*channels\*height\*width = 2\*1\*2\*2 = 8/);
  assert.throws(() => imageGrid(new Float32Array(8), { n: 2, channels: 1, height: 2, width: 2, captions: ['a'] }), /captions has 1 entries, expected n = 2/);
  assert.throws(() => imageGrid(new Float32Array(8), { n: 2, channels: 1, height: 2, width: 2, scale: 0 }), /scale must be a positive integer/);
});

test('font: every printable ASCII character has its own distinct glyph', () => {
  const seen = new Map<string, string>();
  for (let code = 32; code <= 126; code++) {
    const ch = String.fromCharCode(code);
    assert.ok(hasGlyph(ch), `missing glyph for ${JSON.stringify(ch)}`);
    const key = glyph(ch).map((r) => r.map((b) => (b ? '#' : '.')).join('')).join('/');
    assert.ok(!seen.has(key), `${JSON.stringify(ch)} looks the same as ${JSON.stringify(seen.get(key))}`);
    seen.set(key, ch);
  }
  assert.ok(!hasGlyph('é'));
});

test('drawText sets exactly the glyph pixels, scaled, with clipping', () => {
  const canvas = { width: 20, height: 20, channels: 3 as const, data: new Uint8Array(20 * 20 * 3) };
  // 'L' is drawn as a vertical bar of 7 and a bottom bar of 5, sharing a corner: 11 pixels.
  drawText(canvas, 1, 2, 'L', [9, 99, 199], 2);
  let ink = 0;
  for (let p = 0; p < 400; p++) if (canvas.data[p * 3 + 1] === 99) ink++;
  assert.equal(ink, 11 * 4);
  const at = (x: number, y: number) => [...canvas.data.subarray((y * 20 + x) * 3, (y * 20 + x) * 3 + 3)];
  assert.deepEqual(at(1, 2), [9, 99, 199]); // top of the bar
  assert.deepEqual(at(10, 15), [9, 99, 199]); // right end of the bottom bar: x = 1 + 4*2 + 1, y = 2 + 6*2 + 1
  assert.deepEqual(at(3, 2), [0, 0, 0]);
  // Text running off the canvas is clipped, not an error.
  drawText(canvas, 15, 15, 'WWW', [1, 1, 1], 3);
});

test('confusionMatrixImage: cell colour darkens as the count grows, counts are written in cells', () => {
  const matrix = [[5, 0, 1], [2, 9, 3], [8, 4, 7]];
  const pic = confusionMatrixImage(matrix, ['cat', 'dog', 'T-shirt/top']);
  const px = pixelReader(decodePng(encodePng(pic)));
  const { left, top, cellSize } = pic.grid;
  // A cell's corner pixel is free of text; darkness = how far below white it is.
  const cells: Array<{ count: number; dark: number; i: number; j: number }> = [];
  matrix.forEach((row, i) => row.forEach((count, j) => {
    const [r, g, b] = px(left + j * cellSize + 1, top + i * cellSize + 1);
    cells.push({ count, dark: 765 - r - g - b, i, j });
  }));
  cells.sort((a, b) => a.count - b.count);
  for (let k = 1; k < cells.length; k++) assert.ok(cells[k].dark > cells[k - 1].dark, `count ${cells[k].count} is not darker than ${cells[k - 1].count}`);
  // Each cell has text-coloured pixels (white on dark cells, near-black on light ones) at its centre area.
  for (const { i, j, count } of cells) {
    const x0 = left + j * cellSize;
    const y0 = top + i * cellSize;
    const bgPx = px(x0 + 1, y0 + 1);
    let differing = 0;
    for (let y = y0 + 2; y < y0 + cellSize - 2; y++) for (let x = x0 + 2; x < x0 + cellSize - 2; x++) if (px(x, y).some((v, c) => v !== bgPx[c])) differing++;
    assert.ok(differing > 4, `cell (${i}, ${j}) with count ${count} shows no number`);
  }
  // Row labels are drawn left of the grid.
  let labelInk = 0;
  for (let y = top; y < top + 3 * cellSize; y++) for (let x = 0; x < left; x++) if (px(x, y)[0] < 128) labelInk++;
  assert.ok(labelInk > 50);
  assert.throws(() => confusionMatrixImage([[1, 2], [3]]), /matrix must be square: row 1 has 1 entries, expected 2/);
  assert.throws(() => confusionMatrixImage([[1]], ['a', 'b']), /classNames has 2 names, matrix has 1 classes/);
});
