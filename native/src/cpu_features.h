// Runtime CPU feature detection for myelin's native kernels.
//
// Portable C++17, no Node headers. On x86-64 the flags come from CPUID, and the
// AVX / AVX-512 flags are only set when the OS has enabled the matching register
// state (XGETBV), so a kernel selected from these flags is safe to execute.
// On any other architecture every x86 flag is false.
#pragma once

#include <cstdint>

namespace myelin {

struct CpuFeatures {
  // x86-64 ISA extensions (usable: CPUID bit set AND OS saves the state).
  bool has_sse41 = false;
  bool has_avx = false;
  bool has_avx2 = false;
  bool has_fma = false;
  bool has_f16c = false;
  bool has_avx512f = false;
  bool has_avx512dq = false;
  bool has_avx512bw = false;
  bool has_avx512vl = false;
  bool has_avx512cd = false;
  bool has_avx512_vnni = false;
  bool has_avx512_bf16 = false;
  bool has_avx512_fp16 = false;
  bool has_avx_vnni = false;
  bool has_amx_tile = false;  // CPUID + OS (XTILEDATA) state; Linux also needs arch_prctl
  // arm64
  bool has_neon = false;

  // Convenience: everything the AVX-512 GEMM kernels need (F+VL+DQ+BW, FMA).
  bool avx512_gemm() const {
    return has_avx512f && has_avx512vl && has_avx512dq && has_avx512bw && has_fma;
  }
  bool avx2_gemm() const { return has_avx2 && has_fma; }

  // Vendor / brand (empty if unknown).
  char vendor[13] = {0};
  char brand[49] = {0};
  int family = 0, model = 0;

  // Per-core data cache sizes in bytes (0 if unknown).
  int64_t l1d_bytes = 0;
  int64_t l2_bytes = 0;
  int64_t l3_bytes = 0;

  // Human readable one-line summary, e.g.
  // "x86_64 AuthenticAMD AMD EPYC fam 26: avx2 fma avx512f ... L1d 48K L2 1024K".
  // Points to static storage owned by the detected singleton.
  const char* describe() const;
};

// Detected once (thread-safe, lazily) and cached.
const CpuFeatures& cpu_features();

// Which copy of the native kernels runs: the GEMM's micro-kernels and the vectorised kernels
// (native/src/kernels) are each compiled once per instruction set.
enum class Isa { portable, avx2, avx512 };

// Whether this CPU runs the copy for `isa` (the AVX-512 one needs what the AVX-512 GEMM needs).
bool isa_supported(Isa isa);

// The copy to run: the one MYELIN_GEMM_PATH names (generic, avx2 or avx512) where this CPU runs
// it, else the widest this CPU runs (also for unset, "auto" or any other value). The one reader
// of that variable, so that tests and benchmarks can run every copy of every kernel on one
// machine; it reads the environment on every call, callers keep their choice.
Isa preferred_isa();

}  // namespace myelin
