// PNG encoding and decoding of 8-bit images, a thin layer over pngjs (pure JavaScript, so
// `npm install` needs no native image library).
import { PNG, type ColorType } from 'pngjs';
import { writeFileAtomic } from './atomic-write.js';

/** An 8-bit image, row-major, channels interleaved (HWC): gray, RGB or RGBA. */
export interface RasterImage {
  width: number;
  height: number;
  channels: 1 | 3 | 4;
  data: Uint8Array;
}

/** An RGB canvas, the kind drawText and imageGrid work on. */
export interface RgbImage extends RasterImage {
  channels: 3;
}

const COLOR_TYPE: Record<1 | 3 | 4, ColorType> = { 1: 0, 3: 2, 4: 6 };

/** A blank image filled with one colour (one value per channel). */
export function createImage(width: number, height: number, fill: readonly [number, number, number] = [0, 0, 0]): RgbImage {
  checkSize('createImage', width, height);
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < width * height; i++) data.set(fill, i * 3);
  return { width, height, channels: 3, data };
}

function checkSize(fn: string, width: number, height: number): void {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new Error(`${fn}: width and height must be positive integers, got ${width}x${height}`);
  }
}

export function checkImage(fn: string, image: RasterImage): void {
  checkSize(fn, image.width, image.height);
  if (image.channels !== 1 && image.channels !== 3 && image.channels !== 4) {
    throw new Error(`${fn}: channels must be 1, 3 or 4, got ${String(image.channels)}`);
  }
  const expected = image.width * image.height * image.channels;
  if (image.data.length !== expected) {
    throw new Error(`${fn}: data has ${image.data.length} bytes, expected width*height*channels = ${image.width}*${image.height}*${image.channels} = ${expected}`);
  }
}

/** Encodes an image as PNG bytes, keeping its colour type (gray, RGB or RGBA). */
export function encodePng(image: RasterImage): Uint8Array {
  checkImage('encodePng', image);
  const colorType = COLOR_TYPE[image.channels];
  const png = new PNG({ width: image.width, height: image.height });
  // pngjs reads `data` as the input pixels in inputColorType; wrap our bytes without copying.
  png.data = Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength);
  const bytes = PNG.sync.write(png, { colorType, inputColorType: colorType, inputHasAlpha: image.channels === 4 });
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Decodes PNG bytes to RGBA (pngjs expands every colour type and bit depth to 8-bit RGBA). */
export function decodePng(bytes: Uint8Array): RasterImage & { channels: 4 } {
  const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  const data = new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.byteLength);
  return { width: png.width, height: png.height, channels: 4, data };
}

/** Writes an image to a PNG file atomically, so a viewer polling a run directory never sees half a picture. */
export function writePng(path: string, image: RasterImage): void {
  writeFileAtomic(path, encodePng(image));
}
