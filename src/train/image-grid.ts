// Pictures a training run writes next to its metrics: a grid of sample images (inputs,
// reconstructions, generated samples) with optional captions, and a confusion-matrix heat
// map. Everything is drawn on a plain RGB byte array and saved as PNG.
import { createImage, writePng, type RgbImage } from '../io/png.js';
import { drawText, textHeight, textWidth, type Color } from '../io/bitmap-font.js';

export type { Color } from '../io/bitmap-font.js';

export interface ImageGridOptions {
  /** Number of images in `images`. */
  n: number;
  /** 1: images are N x H x W (grayscale); 3: N x 3 x H x W (RGB planes, as NCHW tensors). */
  channels: 1 | 3;
  height: number;
  width: number;
  /** Tiles per row; default ceil(sqrt(n)). */
  cols?: number;
  /** Integer upscaling of each image pixel (nearest neighbour); default 1. */
  scale?: number;
  /** Pixels between tiles and around the grid; default 2. */
  padding?: number;
  /** One caption per image, drawn under its tile; a cell widens to fit its column's longest caption. */
  captions?: readonly string[];
  /** One colour per caption (e.g. green when a prediction is right, red when wrong); default light gray. */
  captionColors?: ReadonlyArray<Color>;
  /** Integer scale of the caption font; default 1. */
  captionScale?: number;
  /** Values mapped to black and white (clamped outside); default [0, 1] for Float32Array, [0, 255] for Uint8Array. */
  valueRange?: readonly [number, number];
  /** Colour of padding and caption area; default dark gray, so that black-background images stay apart. */
  background?: Color;
}

const DEFAULT_BACKGROUND: Color = [40, 40, 40];
const DEFAULT_CAPTION_COLOR: Color = [230, 230, 230];
// Blank pixels between a tile and its caption.
const CAPTION_GAP = 2;

function positiveInt(fn: string, name: string, v: number): void {
  if (!Number.isInteger(v) || v < 1) throw new Error(`${fn}: ${name} must be a positive integer, got ${v}`);
}

/** Lays out N images (NCHW or NHW values) as tiles of one RGB image. */
export function imageGrid(images: Float32Array | Uint8Array, options: ImageGridOptions): RgbImage {
  const fn = 'imageGrid';
  const { n, channels, height, width, captions, captionColors } = options;
  const scale = options.scale ?? 1;
  const padding = options.padding ?? 2;
  const captionScale = options.captionScale ?? 1;
  const cols = options.cols ?? Math.ceil(Math.sqrt(n));
  const [lo, hi] = options.valueRange ?? (images instanceof Uint8Array ? [0, 255] : [0, 1]);
  const background = options.background ?? DEFAULT_BACKGROUND;

  for (const [name, v] of [['n', n], ['height', height], ['width', width], ['scale', scale], ['cols', cols], ['captionScale', captionScale]] as const) {
    positiveInt(fn, name, v);
  }
  if (channels !== 1 && channels !== 3) throw new Error(`${fn}: channels must be 1 or 3, got ${String(channels)}`);
  if (!Number.isInteger(padding) || padding < 0) throw new Error(`${fn}: padding must be a non-negative integer, got ${padding}`);
  if (!(hi > lo)) throw new Error(`${fn}: valueRange [${lo}, ${hi}] must have max > min`);
  const per = channels * height * width;
  if (images.length !== n * per) {
    throw new Error(`${fn}: images has ${images.length} values, expected n*channels*height*width = ${n}*${channels}*${height}*${width} = ${n * per} (pass images.subarray(0, ${n * per}) to show the first ${n})`);
  }
  if (captions !== undefined && captions.length !== n) throw new Error(`${fn}: captions has ${captions.length} entries, expected n = ${n}`);
  if (captionColors !== undefined && captionColors.length !== n) {
    throw new Error(`${fn}: captionColors has ${captionColors.length} entries, expected n = ${n}`);
  }

  const tileW = width * scale;
  const tileH = height * scale;
  const captionH = captions ? CAPTION_GAP + textHeight('x', captionScale) : 0;
  const widest = captions ? Math.max(0, ...captions.map((c) => textWidth(c, captionScale))) : 0;
  const cellW = Math.max(tileW, widest);
  const cellH = tileH + captionH;
  const rows = Math.ceil(n / cols);
  const out = createImage(padding + cols * (cellW + padding), padding + rows * (cellH + padding), background);

  const toByte = (v: number) => Math.round(Math.min(1, Math.max(0, (v - lo) / (hi - lo))) * 255);
  for (let i = 0; i < n; i++) {
    const cellX = padding + (i % cols) * (cellW + padding);
    const cellY = padding + Math.floor(i / cols) * (cellH + padding);
    const tileX = cellX + Math.floor((cellW - tileW) / 2);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const base = i * per + y * width + x;
        // Grayscale repeats one value in R, G and B; RGB reads the three planes.
        const rgb = [0, 1, 2].map((c) => toByte(images[base + (channels === 3 ? c * height * width : 0)]));
        for (let dy = 0; dy < scale; dy++) {
          for (let dx = 0; dx < scale; dx++) {
            out.data.set(rgb, ((cellY + y * scale + dy) * out.width + tileX + x * scale + dx) * 3);
          }
        }
      }
    }
    if (captions) {
      const text = captions[i];
      const capX = cellX + Math.floor((cellW - textWidth(text, captionScale)) / 2);
      drawText(out, capX, cellY + tileH + CAPTION_GAP, text, captionColors?.[i] ?? DEFAULT_CAPTION_COLOR, captionScale);
    }
  }
  return out;
}

/** imageGrid, saved as a PNG file; returns the image too. */
export function writeImageGrid(path: string, images: Float32Array | Uint8Array, options: ImageGridOptions): RgbImage {
  const image = imageGrid(images, options);
  writePng(path, image);
  return image;
}

export interface ConfusionMatrixImageOptions {
  /** Integer scale of text and cells; default 2. */
  scale?: number;
}

/** A confusion-matrix picture, with where its cells are (for callers that draw more on it). */
export interface ConfusionMatrixPicture extends RgbImage {
  grid: { left: number; top: number; cellSize: number };
}

// Heat-map colour ramp: near-white for 0, deep blue for the largest count.
const LOW: Color = [246, 250, 255];
const HIGH: Color = [10, 50, 110];

function ramp(t: number): Color {
  return [0, 1, 2].map((c) => Math.round(LOW[c] + (HIGH[c] - LOW[c]) * t)) as unknown as Color;
}

function fillRect(image: RgbImage, x: number, y: number, w: number, h: number, color: Color): void {
  for (let yy = y; yy < y + h; yy++) for (let xx = x; xx < x + w; xx++) image.data.set(color, (yy * image.width + xx) * 3);
}

/**
 * A heat map of a confusion matrix (rows = true class, columns = predicted, as
 * metrics.confusionMatrix): each cell is shaded by its count relative to the largest count
 * and shows the count; rows are labelled "index name", columns by index.
 */
export function confusionMatrixImage(matrix: readonly (readonly number[])[], classNames?: readonly string[], options: ConfusionMatrixImageOptions = {}): ConfusionMatrixPicture {
  const fn = 'confusionMatrixImage';
  const k = matrix.length;
  const s = options.scale ?? 2;
  positiveInt(fn, 'scale', s);
  if (k === 0) throw new Error(`${fn}: matrix is empty`);
  matrix.forEach((row, i) => {
    if (row.length !== k) throw new Error(`${fn}: matrix must be square: row ${i} has ${row.length} entries, expected ${k}`);
    row.forEach((v, j) => {
      if (!Number.isFinite(v) || v < 0) throw new Error(`${fn}: matrix[${i}][${j}] = ${v}; counts must be finite and non-negative`);
    });
  });
  if (classNames !== undefined && classNames.length !== k) throw new Error(`${fn}: classNames has ${classNames.length} names, matrix has ${k} classes`);

  const max = Math.max(...matrix.map((row) => Math.max(...row)));
  const label = (v: number) => (Number.isInteger(v) ? String(v) : v.toFixed(2));
  const widestCount = Math.max(...matrix.flat().map((v) => textWidth(label(v), s)));
  const cellSize = Math.max(widestCount + 6 * s, textWidth('00', s) + 6 * s, textHeight('0', s) + 6 * s);
  const margin = 4 * s;
  const lineH = textHeight('0', s);
  const rowLabels = matrix.map((_, i) => (classNames ? `${i} ${classNames[i]}` : String(i)));
  const labelW = Math.max(textWidth('true', s), ...rowLabels.map((t) => textWidth(t, s)));
  const left = margin + labelW + margin;
  const titleY = margin;
  const indexY = titleY + lineH + 2 * s;
  const top = indexY + lineH + 2 * s;
  const width = Math.max(left + k * cellSize + margin, left + textWidth('predicted', s) + margin);
  const image = createImage(width, top + k * cellSize + margin, [255, 255, 255]);
  const ink: Color = [20, 20, 20];

  drawText(image, left, titleY, 'predicted', ink, s);
  drawText(image, margin, indexY, 'true', ink, s);
  for (let i = 0; i < k; i++) {
    const rowY = top + i * cellSize + Math.floor((cellSize - lineH) / 2);
    drawText(image, left - margin - textWidth(rowLabels[i], s), rowY, rowLabels[i], ink, s);
    const colLabel = String(i);
    drawText(image, left + i * cellSize + Math.floor((cellSize - textWidth(colLabel, s)) / 2), indexY, colLabel, ink, s);
    for (let j = 0; j < k; j++) {
      const t = max > 0 ? matrix[i][j] / max : 0;
      const x = left + j * cellSize;
      const y = top + i * cellSize;
      // One white pixel row/column is left between cells so equal neighbours stay apart.
      fillRect(image, x, y, cellSize - 1, cellSize - 1, ramp(t));
      const text = label(matrix[i][j]);
      const textColor: Color = t > 0.5 ? [255, 255, 255] : ink;
      drawText(image, x + Math.floor((cellSize - 1 - textWidth(text, s)) / 2), y + Math.floor((cellSize - 1 - lineH) / 2), text, textColor, s);
    }
  }
  return { ...image, grid: { left, top, cellSize } };
}

/** confusionMatrixImage, saved as a PNG file; returns the picture too. */
export function writeConfusionMatrixImage(path: string, matrix: readonly (readonly number[])[], classNames?: readonly string[], options?: ConfusionMatrixImageOptions): ConfusionMatrixPicture {
  const picture = confusionMatrixImage(matrix, classNames, options);
  writePng(path, picture);
  return picture;
}
