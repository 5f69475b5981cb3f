#include "cpu_features.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#if defined(__x86_64__) || defined(_M_X64) || defined(__i386__)
#define MYELIN_X86 1
#if defined(_MSC_VER)
#include <intrin.h>
#else
#include <cpuid.h>
#endif
#endif

#if defined(__linux__)
#include <unistd.h>
#endif

namespace myelin {
namespace {

#if MYELIN_X86
void cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4]) {
#if defined(_MSC_VER)
  int v[4];
  __cpuidex(v, (int)leaf, (int)sub);
  for (int i = 0; i < 4; ++i) r[i] = (uint32_t)v[i];
#else
  __cpuid_count(leaf, sub, r[0], r[1], r[2], r[3]);
#endif
}

uint64_t xgetbv0() {
#if defined(_MSC_VER)
  return _xgetbv(0);
#else
  uint32_t eax, edx;
  // Encoded as bytes so no -mxsave is needed.
  __asm__ volatile(".byte 0x0f, 0x01, 0xd0" : "=a"(eax), "=d"(edx) : "c"(0));
  return ((uint64_t)edx << 32) | eax;
#endif
}
#endif

#if defined(__linux__)
int64_t read_cache_size(int index_level, const char* type_want) {
  // /sys/devices/system/cpu/cpu0/cache/indexN/{level,type,size}
  for (int idx = 0; idx < 8; ++idx) {
    char path[128];
    std::snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu0/cache/index%d/level", idx);
    FILE* f = std::fopen(path, "r");
    if (!f) break;
    int level = 0;
    if (std::fscanf(f, "%d", &level) != 1) level = 0;
    std::fclose(f);
    if (level != index_level) continue;
    std::snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu0/cache/index%d/type", idx);
    f = std::fopen(path, "r");
    char type[32] = {0};
    if (f) {
      if (std::fscanf(f, "%31s", type) != 1) type[0] = 0;
      std::fclose(f);
    }
    if (std::strcmp(type, type_want) != 0 && std::strcmp(type, "Unified") != 0) continue;
    std::snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu0/cache/index%d/size", idx);
    f = std::fopen(path, "r");
    if (!f) continue;
    long long v = 0;
    char unit = 0;
    int got = std::fscanf(f, "%lld%c", &v, &unit);
    std::fclose(f);
    if (got < 1) continue;
    if (got == 2 && (unit == 'K' || unit == 'k')) v *= 1024;
    if (got == 2 && (unit == 'M' || unit == 'm')) v *= 1024 * 1024;
    return v;
  }
  return 0;
}
#endif

CpuFeatures detect() {
  CpuFeatures f;
#if MYELIN_X86
  uint32_t r[4];
  cpuid(0, 0, r);
  const uint32_t max_leaf = r[0];
  std::memcpy(f.vendor + 0, &r[1], 4);
  std::memcpy(f.vendor + 4, &r[3], 4);
  std::memcpy(f.vendor + 8, &r[2], 4);
  f.vendor[12] = 0;

  uint32_t l1[4] = {0, 0, 0, 0}, l7[4] = {0, 0, 0, 0}, l7s1[4] = {0, 0, 0, 0};
  if (max_leaf >= 1) cpuid(1, 0, l1);
  if (max_leaf >= 7) {
    cpuid(7, 0, l7);
    if (l7[0] >= 1) cpuid(7, 1, l7s1);
  }
  {
    uint32_t fam = (l1[0] >> 8) & 0xf, mod = (l1[0] >> 4) & 0xf;
    if (fam == 0xf) fam += (l1[0] >> 20) & 0xff;
    if (fam == 0x6 || fam >= 0xf) mod |= ((l1[0] >> 16) & 0xf) << 4;
    f.family = (int)fam;
    f.model = (int)mod;
  }
  const bool osxsave = (l1[2] >> 27) & 1;
  uint64_t xcr0 = osxsave ? xgetbv0() : 0;
  const bool os_avx = osxsave && ((xcr0 & 0x6) == 0x6);            // XMM | YMM
  const bool os_avx512 = os_avx && ((xcr0 & 0xe0) == 0xe0);         // opmask | ZMM_Hi256 | Hi16_ZMM
  const bool os_amx = os_avx && ((xcr0 & 0x60000) == 0x60000);      // XTILECFG | XTILEDATA

  f.has_sse41 = (l1[2] >> 19) & 1;
  f.has_avx = os_avx && ((l1[2] >> 28) & 1);
  f.has_fma = os_avx && ((l1[2] >> 12) & 1);
  f.has_f16c = os_avx && ((l1[2] >> 29) & 1);
  f.has_avx2 = os_avx && ((l7[1] >> 5) & 1);
  f.has_avx512f = os_avx512 && ((l7[1] >> 16) & 1);
  f.has_avx512dq = f.has_avx512f && ((l7[1] >> 17) & 1);
  f.has_avx512cd = f.has_avx512f && ((l7[1] >> 28) & 1);
  f.has_avx512bw = f.has_avx512f && ((l7[1] >> 30) & 1);
  f.has_avx512vl = f.has_avx512f && ((l7[1] >> 31) & 1);
  f.has_avx512_vnni = f.has_avx512f && ((l7[2] >> 11) & 1);
  f.has_avx512_fp16 = f.has_avx512f && ((l7[3] >> 23) & 1);
  f.has_amx_tile = os_amx && ((l7[3] >> 24) & 1);
  f.has_avx512_bf16 = f.has_avx512f && ((l7s1[0] >> 5) & 1);
  f.has_avx_vnni = os_avx && ((l7s1[0] >> 4) & 1);

  cpuid(0x80000000u, 0, r);
  if (r[0] >= 0x80000004u) {
    uint32_t b[12];
    for (uint32_t i = 0; i < 3; ++i) cpuid(0x80000002u + i, 0, b + 4 * i);
    std::memcpy(f.brand, b, 48);
    f.brand[48] = 0;
    // trim leading/trailing spaces
    char* s = f.brand;
    while (*s == ' ') ++s;
    std::memmove(f.brand, s, std::strlen(s) + 1);
    for (int n = (int)std::strlen(f.brand); n > 0 && f.brand[n - 1] == ' '; --n) f.brand[n - 1] = 0;
  }
#elif defined(__aarch64__) || defined(_M_ARM64)
  f.has_neon = true;  // Advanced SIMD is mandatory on AArch64.
#endif

#if defined(__linux__)
  f.l1d_bytes = read_cache_size(1, "Data");
  f.l2_bytes = read_cache_size(2, "Unified");
  f.l3_bytes = read_cache_size(3, "Unified");
#endif
  return f;
}

std::string build_description(const CpuFeatures& f) {
  std::string s;
#if MYELIN_X86
  s += "x86_64";
#elif defined(__aarch64__) || defined(_M_ARM64)
  s += "arm64";
#else
  s += "unknown-arch";
#endif
  if (f.vendor[0]) { s += ' '; s += f.vendor; }
  if (f.brand[0]) { s += " \""; s += f.brand; s += '"'; }
  if (f.family) {
    char buf[48];
    std::snprintf(buf, sizeof buf, " family %d model %d", f.family, f.model);
    s += buf;
  }
  s += ":";
  struct { bool on; const char* name; } flags[] = {
      {f.has_sse41, "sse4.1"},          {f.has_avx, "avx"},
      {f.has_avx2, "avx2"},             {f.has_fma, "fma"},
      {f.has_f16c, "f16c"},             {f.has_avx512f, "avx512f"},
      {f.has_avx512dq, "avx512dq"},     {f.has_avx512bw, "avx512bw"},
      {f.has_avx512vl, "avx512vl"},     {f.has_avx512cd, "avx512cd"},
      {f.has_avx512_vnni, "avx512_vnni"}, {f.has_avx512_bf16, "avx512_bf16"},
      {f.has_avx512_fp16, "avx512_fp16"}, {f.has_avx_vnni, "avx_vnni"},
      {f.has_amx_tile, "amx_tile"},     {f.has_neon, "neon"},
  };
  bool any = false;
  for (auto& fl : flags)
    if (fl.on) { s += ' '; s += fl.name; any = true; }
  if (!any) s += " (no SIMD extensions used)";
  char buf[96];
  if (f.l1d_bytes || f.l2_bytes) {
    std::snprintf(buf, sizeof buf, "; L1d %lldK L2 %lldK L3 %lldK", (long long)(f.l1d_bytes >> 10),
                  (long long)(f.l2_bytes >> 10), (long long)(f.l3_bytes >> 10));
    s += buf;
  }
  return s;
}

struct Detected {
  CpuFeatures f;
  std::string desc;
  Detected() : f(detect()), desc(build_description(f)) {}
};

const Detected& detected() {
  static const Detected d;  // C++11 magic static: thread-safe init
  return d;
}

}  // namespace

const CpuFeatures& cpu_features() { return detected().f; }

const char* CpuFeatures::describe() const { return detected().desc.c_str(); }

bool isa_supported(Isa isa) {
  const CpuFeatures& f = cpu_features();
  switch (isa) {
    case Isa::avx512:
      return f.avx512_gemm();
    case Isa::avx2:
      return f.avx2_gemm();
    case Isa::portable:
    default:
      return true;
  }
}

Isa preferred_isa() {
  static const struct {
    const char* name;
    Isa isa;
  } names[] = {{"generic", Isa::portable}, {"avx2", Isa::avx2}, {"avx512", Isa::avx512}};
  if (const char* e = std::getenv("MYELIN_GEMM_PATH"))
    for (const auto& n : names)
      if (!std::strcmp(e, n.name) && isa_supported(n.isa)) return n.isa;
  for (Isa isa : {Isa::avx512, Isa::avx2})
    if (isa_supported(isa)) return isa;
  return Isa::portable;
}

}  // namespace myelin
