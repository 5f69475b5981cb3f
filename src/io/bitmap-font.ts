// A small pixel font, drawn for myelin, to write captions and numbers into PNG pictures
// without a font file or a canvas library. Each glyph is 5 pixels wide and 8 tall: rows
// 0-6 hold capitals and digits (row 6 is the baseline), row 7 holds descenders (g j p q y
// , ;). Characters sit in a 6x9 cell, which leaves one blank column and row between them.
import type { RasterImage } from './png.js';

export const GLYPH_WIDTH = 5;
export const GLYPH_HEIGHT = 8;
export const CELL_WIDTH = 6;
export const CELL_HEIGHT = 9;

// Rows of each glyph, top to bottom, separated by spaces; '#' is ink. Rows left out at the
// bottom are blank.
const GLYPHS: Record<string, string> = {
  ' ': '',
  '!': '..#.. ..#.. ..#.. ..#.. ..#.. ..... ..#..',
  '"': '.#.#. .#.#.',
  '#': '.#.#. .#.#. ##### .#.#. ##### .#.#. .#.#.',
  '$': '..#.. .#### #.#.. .###. ..#.# ####. ..#..',
  '%': '##..# ##..# ...#. ..#.. .#... #..## #..##',
  '&': '.##.. #..#. #.#.. .#... #.#.# #..#. .##.#',
  "'": '..#.. ..#..',
  '(': '...#. ..#.. .#... .#... .#... ..#.. ...#.',
  ')': '.#... ..#.. ...#. ...#. ...#. ..#.. .#...',
  '*': '..... ..#.. #.#.# .###. #.#.# ..#..',
  '+': '..... ..#.. ..#.. ##### ..#.. ..#..',
  ',': '..... ..... ..... ..... ..... ..##. ..##. .#...',
  '-': '..... ..... ..... .###.',
  '.': '..... ..... ..... ..... ..... .##.. .##..',
  '/': '....# ....# ...#. ..#.. .#... #.... #....',
  '0': '.###. #...# #..## #.#.# ##..# #...# .###.',
  '1': '..#.. .##.. ..#.. ..#.. ..#.. ..#.. .###.',
  '2': '.###. #...# ....# ...#. ..#.. .#... #####',
  '3': '.###. #...# ....# ..##. ....# #...# .###.',
  '4': '...#. ..##. .#.#. #..#. ##### ...#. ...#.',
  '5': '##### #.... ####. ....# ....# #...# .###.',
  '6': '..##. .#... #.... ####. #...# #...# .###.',
  '7': '##### ....# ...#. ..#.. .#... .#... .#...',
  '8': '.###. #...# #...# .###. #...# #...# .###.',
  '9': '.###. #...# #...# .#### ....# ...#. .##..',
  ':': '..... .##.. .##.. ..... .##.. .##..',
  ';': '..... .##.. .##.. ..... .##.. .##.. .#...',
  '<': '...#. ..#.. .#... #.... .#... ..#.. ...#.',
  '=': '..... ..... ##### ..... #####',
  '>': '.#... ..#.. ...#. ....# ...#. ..#.. .#...',
  '?': '.###. #...# ....# ...#. ..#.. ..... ..#..',
  '@': '.###. #...# #.### #.#.# #.### #.... .####',
  'A': '.###. #...# #...# ##### #...# #...# #...#',
  'B': '####. #...# #...# ####. #...# #...# ####.',
  'C': '.###. #...# #.... #.... #.... #...# .###.',
  'D': '###.. #..#. #...# #...# #...# #..#. ###..',
  'E': '##### #.... #.... ####. #.... #.... #####',
  'F': '##### #.... #.... ####. #.... #.... #....',
  'G': '.###. #...# #.... #.### #...# #...# .####',
  'H': '#...# #...# #...# ##### #...# #...# #...#',
  'I': '.###. ..#.. ..#.. ..#.. ..#.. ..#.. .###.',
  'J': '..### ...#. ...#. ...#. ...#. #..#. .##..',
  'K': '#...# #..#. #.#.. ##... #.#.. #..#. #...#',
  'L': '#.... #.... #.... #.... #.... #.... #####',
  'M': '#...# ##.## #.#.# #.#.# #...# #...# #...#',
  'N': '#...# #...# ##..# #.#.# #..## #...# #...#',
  'O': '.###. #...# #...# #...# #...# #...# .###.',
  'P': '####. #...# #...# ####. #.... #.... #....',
  'Q': '.###. #...# #...# #...# #.#.# #..#. .##.#',
  'R': '####. #...# #...# ####. #.#.. #..#. #...#',
  'S': '.#### #.... #.... .###. ....# ....# ####.',
  'T': '##### ..#.. ..#.. ..#.. ..#.. ..#.. ..#..',
  'U': '#...# #...# #...# #...# #...# #...# .###.',
  'V': '#...# #...# #...# #...# #...# .#.#. ..#..',
  'W': '#...# #...# #...# #.#.# #.#.# #.#.# .#.#.',
  'X': '#...# #...# .#.#. ..#.. .#.#. #...# #...#',
  'Y': '#...# #...# .#.#. ..#.. ..#.. ..#.. ..#..',
  'Z': '##### ....# ...#. ..#.. .#... #.... #####',
  '[': '.###. .#... .#... .#... .#... .#... .###.',
  '\\': '#.... #.... .#... ..#.. ...#. ....# ....#',
  ']': '.###. ...#. ...#. ...#. ...#. ...#. .###.',
  '^': '..#.. .#.#. #...#',
  '_': '..... ..... ..... ..... ..... ..... ..... #####',
  '`': '.#... ..#..',
  'a': '..... ..... .###. ....# .#### #...# .####',
  'b': '#.... #.... #.##. ##..# #...# #...# ####.',
  'c': '..... ..... .###. #.... #.... #...# .###.',
  'd': '....# ....# .##.# #..## #...# #...# .####',
  'e': '..... ..... .###. #...# ##### #.... .###.',
  'f': '..##. .#..# .#... ###.. .#... .#... .#...',
  'g': '..... ..... .#### #...# #...# .#### ....# .###.',
  'h': '#.... #.... #.##. ##..# #...# #...# #...#',
  'i': '..#.. ..... .##.. ..#.. ..#.. ..#.. .###.',
  'j': '...#. ..... ..##. ...#. ...#. ...#. #..#. .##..',
  'k': '#.... #.... #..#. #.#.. ##... #.#.. #..#.',
  'l': '.##.. ..#.. ..#.. ..#.. ..#.. ..#.. .###.',
  'm': '..... ..... ##.#. #.#.# #.#.# #.#.# #.#.#',
  'n': '..... ..... #.##. ##..# #...# #...# #...#',
  'o': '..... ..... .###. #...# #...# #...# .###.',
  'p': '..... ..... ####. #...# #...# ####. #.... #....',
  'q': '..... ..... .#### #...# #...# .#### ....# ....#',
  'r': '..... ..... #.##. ##..# #.... #.... #....',
  's': '..... ..... .#### #.... .###. ....# ####.',
  't': '.#... .#... ###.. .#... .#... .#..# ..##.',
  'u': '..... ..... #...# #...# #...# #..## .##.#',
  'v': '..... ..... #...# #...# #...# .#.#. ..#..',
  'w': '..... ..... #...# #...# #.#.# #.#.# .#.#.',
  'x': '..... ..... #...# .#.#. ..#.. .#.#. #...#',
  'y': '..... ..... #...# #...# #...# .#### ....# .###.',
  'z': '..... ..... ##### ...#. ..#.. .#... #####',
  '{': '...#. ..#.. ..#.. .#... ..#.. ..#.. ...#.',
  '|': '..#.. ..#.. ..#.. ..#.. ..#.. ..#.. ..#..',
  '}': '.#... ..#.. ..#.. ...#. ..#.. ..#.. .#...',
  '~': '..... ..... .#... #.#.# ...#.',
};

// Drawn for characters outside printable ASCII, so that a missing glyph is visible.
const UNKNOWN = '##### #...# #...# #...# #...# #...# #####';

/** Parses a glyph into GLYPH_HEIGHT rows of GLYPH_WIDTH booleans; throws on a malformed table entry. */
function parseGlyph(ch: string, spec: string): boolean[][] {
  const rows = spec === '' ? [] : spec.split(' ');
  if (rows.length > GLYPH_HEIGHT || rows.some((r) => r.length !== GLYPH_WIDTH || /[^#.]/.test(r))) {
    throw new Error(`bitmap-font: glyph ${JSON.stringify(ch)} is malformed: ${JSON.stringify(spec)}`);
  }
  while (rows.length < GLYPH_HEIGHT) rows.push('.'.repeat(GLYPH_WIDTH));
  return rows.map((r) => [...r].map((c) => c === '#'));
}

const PARSED = new Map<string, boolean[][]>(Object.entries(GLYPHS).map(([ch, spec]) => [ch, parseGlyph(ch, spec)]));
const PARSED_UNKNOWN = parseGlyph('unknown', UNKNOWN);

/** The bitmap of one character (GLYPH_HEIGHT rows of GLYPH_WIDTH booleans); unknown characters get a hollow box. */
export function glyph(ch: string): boolean[][] {
  return PARSED.get(ch) ?? PARSED_UNKNOWN;
}

/** Whether the font has a drawing of its own for this character. */
export function hasGlyph(ch: string): boolean {
  return PARSED.has(ch);
}

/** Width in pixels of the longest line of text drawn at this scale (no trailing gap). */
export function textWidth(text: string, scale = 1): number {
  const longest = Math.max(...text.split('\n').map((line) => [...line].length));
  return longest === 0 ? 0 : (longest * CELL_WIDTH - 1) * scale;
}

/** Height in pixels of the text (every line, descenders included) at this scale. */
export function textHeight(text: string, scale = 1): number {
  const lines = text.split('\n').length;
  return ((lines - 1) * CELL_HEIGHT + GLYPH_HEIGHT) * scale;
}

export type Color = readonly [number, number, number];

/**
 * Draws text with its top-left corner at (x, y), each font pixel as a scale x scale block.
 * Ink outside the image is clipped. '\n' starts a new line. Grayscale images get the mean
 * of the colour; RGBA images get opaque ink. Returns the drawn width in pixels.
 */
export function drawText(image: RasterImage, x: number, y: number, text: string, color: Color, scale = 1): number {
  if (!Number.isInteger(scale) || scale < 1) throw new Error(`drawText: scale must be a positive integer, got ${scale}`);
  const { width, height, channels, data } = image;
  const ink = channels === 1 ? [Math.round((color[0] + color[1] + color[2]) / 3)] : channels === 4 ? [...color, 255] : [...color];
  const plot = (px: number, py: number) => {
    if (px < 0 || py < 0 || px >= width || py >= height) return;
    data.set(ink, (py * width + px) * channels);
  };
  const lines = text.split('\n');
  lines.forEach((line, li) => {
    [...line].forEach((ch, ci) => {
      const bits = glyph(ch);
      const gx = x + ci * CELL_WIDTH * scale;
      const gy = y + li * CELL_HEIGHT * scale;
      for (let r = 0; r < GLYPH_HEIGHT; r++) {
        for (let c = 0; c < GLYPH_WIDTH; c++) {
          if (!bits[r][c]) continue;
          for (let dy = 0; dy < scale; dy++) for (let dx = 0; dx < scale; dx++) plot(gx + c * scale + dx, gy + r * scale + dy);
        }
      }
    });
  });
  return textWidth(text, scale);
}
