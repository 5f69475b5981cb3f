// Process-wide allocator settings that suit tensor workloads (see malloc_tuning.cc).
#pragma once

namespace myelin {
namespace kernels {

/** Keeps freed tensor memory in the C heap for reuse; idempotent, a no-op off glibc. */
void keep_tensor_memory();

}  // namespace kernels
}  // namespace myelin
