// A persistent, process-wide thread pool for myelin's native kernels.
//
// Portable C++17, no Node headers.
//
// Semantics
// ---------
// * One pool per process (ThreadPool::global()). Its size counts the calling
//   thread: with N threads there are N-1 workers and the thread that calls
//   parallel_for() does its share of the work. Default N = number of PHYSICAL
//   cores usable by this process (sysfs topology intersected with the affinity
//   mask and any cgroup CPU quota; fallback std::thread::hardware_concurrency()).
//   Environment variable MYELIN_NUM_THREADS overrides the default;
//   set_num_threads() overrides both at run time.
// * parallel_for(begin, end, grain, fn) splits [begin, end) into at most N
//   contiguous chunks of at least `grain` elements (the last may be shorter
//   only if the range is) and calls fn(lo, hi) once per chunk. It returns when
//   all chunks are done. The chunk count is min(N, ceil((end-begin)/grain)),
//   chunk sizes differ by at most one grain-aligned step.
// * Idle workers block on a condition variable (no CPU use). After finishing a
//   job a worker spins for a short, bounded time (default 30 microseconds,
//   env MYELIN_SPIN_US, 0..1000) waiting for the next job, because kernels are
//   usually issued back to back; then it sleeps.
// * Nested parallel_for (called from inside fn) runs serially inline on the
//   calling worker.
// * Concurrent submissions (e.g. several Node worker_threads calling kernels at
//   the same time): the pool runs one job at a time. A caller that finds the
//   pool busy does NOT wait: it runs its whole range serially inline on its own
//   thread. This can never deadlock and never oversubscribes the cores by more
//   than the number of concurrent callers.
// * If fn throws, the first exception is rethrown to the caller of
//   parallel_for after all chunks have finished (remaining chunks still run).
//
// Thread safety: all public functions may be called from any thread.
// set_num_threads() waits for a running job to finish before resizing.
#pragma once

#include <cstdint>
#include <type_traits>
#include <utility>

namespace myelin {

// Non-owning reference to a callable void(int64_t, int64_t). Cheap to copy,
// never allocates. The referenced callable must outlive the call.
class RangeFn {
 public:
  template <class F, class = std::enable_if_t<!std::is_same<std::decay_t<F>, RangeFn>::value>>
  RangeFn(F&& f)  // NOLINT(google-explicit-constructor)
      : obj_((void*)&f), call_(&invoke<std::remove_reference_t<F>>) {}
  void operator()(int64_t lo, int64_t hi) const { call_(obj_, lo, hi); }

 private:
  template <class F>
  static void invoke(void* o, int64_t lo, int64_t hi) { (*static_cast<F*>(o))(lo, hi); }
  void* obj_;
  void (*call_)(void*, int64_t, int64_t);
};

// Number of physical cores available to this process (>= 1). Cached.
int physical_core_count();

// Current pool size (including the calling thread), >= 1.
int get_num_threads();

// Resize the pool. n <= 0 restores the default (MYELIN_NUM_THREADS or physical
// cores). Waits for a running job to finish.
void set_num_threads(int n);

// True when called from inside a parallel_for task (worker or participating
// caller); parallel_for then runs serially.
bool in_parallel_region();

// Heuristic hint (may be stale by the time it returns): true when the pool's
// workers exist and none of them is blocked waiting for work, i.e. a job
// submitted now starts on all threads within about a microsecond. Kernels use
// it to avoid paying a wake-up (futex syscall, tens of microseconds until the
// worker runs) for jobs that would take only a few microseconds.
bool pool_workers_awake();

// Wakes idle workers (creating them if needed) without giving them work, so
// that jobs submitted within the next MYELIN_SPIN_US start at once. Costs the
// caller one futex wake; no-op while the pool is running a job.
void pool_wake_workers();

// See the header comment for semantics.
void parallel_for(int64_t begin, int64_t end, int64_t grain, RangeFn fn);

// Runs fn(i, i+1) for i in [0, n) with each task on its own thread when
// possible (n <= get_num_threads()); convenience for "one task per thread".
inline void parallel_tasks(int64_t n, RangeFn fn) { parallel_for(0, n, 1, fn); }

}  // namespace myelin
