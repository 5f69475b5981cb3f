// A small SIMD vocabulary for the GEMM (gemm_kernel.h), after MLX's backend/cpu/simd: a
// Simd<float, N> per instruction set, each in its own namespace:
//
//   simd::avx512::Simd<float, 16>   avx512.h   zmm registers, masked tails
//   simd::avx2::Simd<float, 8>      avx2.h     ymm registers
//   simd::portable::Simd<float, N>  portable.h plain C++: 4-lane GCC/Clang vectors (SSE2, NEON
//                                              registers), plain arrays elsewhere
//
// Separate namespaces rather than specialisations of one template: the types of different ISAs
// stay different types even at the same width (Simd<float, 8> of AVX2 and of the portable copy),
// so no name is compiled for two ISAs in two translation units (one would silently replace the
// other at link time).
//
// Every such type V offers (all inline; the x86 ones carry their ISA's target attribute, so a
// caller needs that attribute too: MYELIN_TARGET_AVX2 / MYELIN_TARGET_AVX512):
//
//   V::size                    lanes
//   V::zero(), V::broadcast(x)
//   V::load(p), V::load_aligned(p) (p aligned to the vector), v.store(p)
//   V::load(p, n), v.store(p, n)  the first n lanes (0 <= n <= size; the others read as 0)
//   V::masked                  whether those are single instructions (AVX-512 masks); where
//                              they are, the GEMV finishes its tails with them, else with the
//                              scalar loops these paths always had
//   fma(a, b, c)               a * b + c, rounded once where the ISA has FMA (the portable type
//                              writes a * b + c and leaves contraction to the compiler)
//   a * b
//   sum(v)                     the lanes added up, in an order fixed per type
//   V::transpose_rows<G>(src, rs, valid, dst, ds)
//                              packing: reads V::size floats from each row src + i * rs,
//                              i < G <= 8 (rows i >= valid read as zeros), and writes them
//                              transposed: dst[j * ds + i] for j < V::size, i < G
//   V::prefetch(p)             a hint (no-op where there is none)
#pragma once

#include <cstdint>

#if defined(__GNUC__) || defined(__clang__)
#define MYELIN_SIMD_INLINE __attribute__((always_inline)) inline
#define MYELIN_NOINLINE __attribute__((noinline))
#elif defined(_MSC_VER)
#define MYELIN_SIMD_INLINE __forceinline
#define MYELIN_NOINLINE __declspec(noinline)
#else
#define MYELIN_SIMD_INLINE inline
#define MYELIN_NOINLINE
#endif

// The x86-64 types need GCC/Clang target attributes. Define MYELIN_PORTABLE_ONLY to build only
// the portable copy (e.g. for testing).
#if (defined(__x86_64__) || defined(_M_X64)) && (defined(__GNUC__) || defined(__clang__)) && \
    !defined(MYELIN_PORTABLE_ONLY)
#define MYELIN_SIMD_X86 1
#else
#define MYELIN_SIMD_X86 0
#endif
