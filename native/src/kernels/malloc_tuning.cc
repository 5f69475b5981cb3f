// Tensor storage is JavaScript ArrayBuffers whose memory V8 takes from malloc: every op's
// output is a fresh block of up to tens of MB, freed again by the garbage collector a few
// ops later. With glibc's defaults such blocks are mmap'ed and munmap'ed (or trimmed off the
// heap top) each time, so every step pays a page fault per 4 KiB and the kernel's zeroing of
// every page: for the seed CNN that cost more than all of its convolutions. Raising the mmap
// threshold to glibc's maximum and the trim threshold well above it keeps freed blocks in
// the heap, where the next step's allocations of the same sizes find them warm.
//
// The price is that the process keeps its peak heap (up to the trim threshold beyond it)
// instead of returning it to the system between steps, as PyTorch's caching allocators do.
// A user's own glibc settings (GLIBC_TUNABLES, MALLOC_*_ variables) win, and
// MYELIN_MALLOC_TUNING=0 turns this off.

#include "malloc_tuning.h"

#include <cstdlib>
#include <cstring>
#include <mutex>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace myelin {
namespace kernels {

namespace {

bool user_configured() {
  const char* vars[] = {"GLIBC_TUNABLES", "MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "MALLOC_TOP_PAD_",
                        "MALLOC_MMAP_MAX_"};
  for (const char* v : vars)
    if (std::getenv(v) != nullptr) return true;
  const char* off = std::getenv("MYELIN_MALLOC_TUNING");
  return off != nullptr && std::strcmp(off, "0") == 0;
}

}  // namespace

void keep_tensor_memory() {
#if defined(__GLIBC__)
  static std::once_flag once;
  std::call_once(once, [] {
    if (user_configured()) return;
    mallopt(M_MMAP_THRESHOLD, 32 << 20);  // glibc's upper limit (HEAP_MAX_SIZE / 2 on 64-bit)
    mallopt(M_TRIM_THRESHOLD, 256 << 20);
  });
#endif
}

}  // namespace kernels
}  // namespace myelin
