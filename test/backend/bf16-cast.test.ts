// The cast kernel to and from bfloat16 on both backends, against bit patterns derived by hand
// from the format (bfloat16 = the upper 16 bits of a float32, rounded to nearest even; NaN ->
// 0x7fc0, as PyTorch's c10::BFloat16). The generic kernel test checks native against js on
// random data; this one checks both against the format.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { jsBackendInstance } from '../../src/backend/index.js';
import { loadNativeBackend } from '../../src/backend/native/index.js';
import type { Backend } from '../../src/backend/backend.js';

const js = jsBackendInstance();
const nb = loadNativeBackend(js).backend;
const backends: [string, Backend | null][] = [['js', js], ['native', nb]];

/** float32 value -> expected bfloat16 bits */
const TO_BF16: [number, number][] = [
  [1, 0x3f80], [-2, 0xc000], [0, 0x0000], [-0, 0x8000], [Infinity, 0x7f80], [-Infinity, 0xff80], [NaN, 0x7fc0],
  [1.00390625, 0x3f80],          // 0x3f808000: a tie, rounds to the even 0x3f80
  [1.01171875, 0x3f82],          // 0x3f818000: a tie, rounds to the even 0x3f82
  [1.0039100646972656, 0x3f81],  // 0x3f808001: just above the tie, rounds up
  [3.4028234663852886e38, 0x7f80], // the largest float32 rounds up to infinity
  [1e-40, 0x0001],               // a subnormal: 0x000116c2 rounds to 0x0001
];

describe('cast to and from bfloat16', () => {
  for (const [name, b] of backends) {
    test(`${name}: float32 -> bfloat16 rounds to nearest even, NaN to 0x7fc0`, { skip: b === null && 'native backend unavailable' }, () => {
      const src = Float32Array.from(TO_BF16.map(([v]) => v));
      const dst = new Uint16Array(src.length);
      b!.cast(src, dst);
      TO_BF16.forEach(([v, bits], i) => assert.equal(dst[i], bits, `${v}: got 0x${dst[i].toString(16)}, want 0x${bits.toString(16)}`));
    });

    test(`${name}: bfloat16 -> float32, float64 and int32 exactly; float64 and int32 -> bfloat16 through float32`,
      { skip: b === null && 'native backend unavailable' }, () => {
        const bits = Uint16Array.from([0x3f80, 0xc0a0, 0x4049, 0x7f80, 0x7fc0, 0x8000]); // 1, -5, 3.140625, inf, NaN, -0
        const want = [1, -5, 3.140625, Infinity, NaN, -0];
        const f32 = new Float32Array(bits.length), f64 = new Float64Array(bits.length), i32 = new Int32Array(bits.length);
        b!.cast(bits, f32); b!.cast(bits, f64); b!.cast(bits, i32);
        want.forEach((w, i) => {
          assert.ok(Object.is(f32[i], w), `f32 ${i}`);
          assert.ok(Object.is(f64[i], w), `f64 ${i}`);
        });
        assert.deepEqual(Array.from(i32.slice(0, 3)), [1, -5, 3]);
        const back = new Uint16Array(3);
        b!.cast(Float64Array.from([1.00390625, 1.01171875, 3.140625]), back);
        assert.deepEqual(Array.from(back), [0x3f80, 0x3f82, 0x4049]);
        b!.cast(Int32Array.from([257, -3, 16777217]), back); // 257 = 0x43808000: a tie to even 256
        assert.deepEqual(Array.from(back), [0x4380, 0xc040, 0x4b80]);
      });
  }
});
