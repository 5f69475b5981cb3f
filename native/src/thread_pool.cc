#include "thread_pool.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <mutex>
#include <set>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#if defined(__linux__)
#include <sched.h>
#include <unistd.h>
#endif
#if defined(__APPLE__)
#include <sys/sysctl.h>
#include <sys/types.h>
#endif

namespace myelin {
namespace {

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  __asm__ __volatile__("yield");
#else
  std::this_thread::yield();
#endif
}

#if defined(__linux__)
bool read_first_line(const char* path, std::string* out) {
  FILE* f = std::fopen(path, "r");
  if (!f) return false;
  char buf[512];
  bool ok = std::fgets(buf, sizeof buf, f) != nullptr;
  std::fclose(f);
  if (!ok) return false;
  size_t n = std::strlen(buf);
  while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' ')) buf[--n] = 0;
  *out = buf;
  return true;
}

// ceil(quota / period) from cgroup v2 or v1, or 0 when unlimited/unknown.
int cgroup_cpu_limit() {
  std::string s;
  if (read_first_line("/sys/fs/cgroup/cpu.max", &s)) {
    long long q = 0, p = 0;
    if (s.compare(0, 3, "max") != 0 && std::sscanf(s.c_str(), "%lld %lld", &q, &p) == 2 && q > 0 && p > 0)
      return (int)((q + p - 1) / p);
    return 0;
  }
  std::string qs, ps;
  if (read_first_line("/sys/fs/cgroup/cpu/cpu.cfs_quota_us", &qs) &&
      read_first_line("/sys/fs/cgroup/cpu/cpu.cfs_period_us", &ps)) {
    long long q = std::atoll(qs.c_str()), p = std::atoll(ps.c_str());
    if (q > 0 && p > 0) return (int)((q + p - 1) / p);
  }
  return 0;
}
#endif

int detect_physical_cores() {
  int hw = (int)std::thread::hardware_concurrency();
  if (hw <= 0) hw = 1;
  int n = 0;
#if defined(__linux__)
  cpu_set_t mask;
  CPU_ZERO(&mask);
  bool have_mask = sched_getaffinity(0, sizeof mask, &mask) == 0;
  std::set<std::string> cores;
  int allowed = 0;
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
    if (have_mask ? !CPU_ISSET(cpu, &mask) : cpu >= hw) continue;
    ++allowed;
    char path[128];
    std::string id;
    std::snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu%d/topology/core_cpus_list", cpu);
    if (!read_first_line(path, &id)) {
      std::snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu%d/topology/thread_siblings_list", cpu);
      if (!read_first_line(path, &id)) {
        // No topology information: count the logical CPU itself.
        id = "cpu" + std::to_string(cpu);
      }
    }
    cores.insert(id);
  }
  n = (int)cores.size();
  if (n <= 0) n = allowed > 0 ? allowed : hw;
  int quota = cgroup_cpu_limit();
  if (quota > 0 && quota < n) n = quota;
#elif defined(__APPLE__)
  int v = 0;
  size_t len = sizeof v;
  if (sysctlbyname("hw.physicalcpu", &v, &len, nullptr, 0) == 0 && v > 0) n = v;
#endif
  if (n <= 0) n = hw;
  return std::max(1, n);
}

int env_int(const char* name, int dflt, int lo, int hi) {
  const char* s = std::getenv(name);
  if (!s || !*s) return dflt;
  char* end = nullptr;
  long v = std::strtol(s, &end, 10);
  if (end == s) return dflt;
  return (int)std::min<long>(hi, std::max<long>(lo, v));
}

constexpr int kMaxThreads = 1024;  // must stay < 65536 (16-bit chunk fields)

int default_threads() {
  int n = env_int("MYELIN_NUM_THREADS", 0, 0, kMaxThreads);
  return n > 0 ? n : physical_core_count();
}

thread_local bool tls_in_region = false;

// Job protocol
// ------------
// The submitter writes the job description (fn_, begin_, ...) and then
// publishes one 64-bit atomic word `claim_` = gen:32 | nchunks:16 | next:16.
// Any thread claims a chunk with a CAS that increments `next` while the
// generation still matches, so a claimed chunk always belongs to the job it
// was claimed from, and that job cannot finish (and its description cannot be
// overwritten) before the chunk is done: the submitter only returns once
// `done_` == nchunks. Workers never have to acknowledge a job; a worker that
// wakes up late simply finds nothing left to claim, so the caller never waits
// for a sleeping thread to wake up.
class Pool {
 public:
  Pool() : spin_us_(env_int("MYELIN_SPIN_US", 30, 0, 1000)) {}

  int requested() {
    int r = requested_.load(std::memory_order_relaxed);
    if (r <= 0) {
      r = default_threads();
      int expected = 0;
      if (!requested_.compare_exchange_strong(expected, r)) r = expected;
    }
    return r;
  }
  void request(int n) { requested_.store(n <= 0 ? default_threads() : std::min(n, kMaxThreads)); }

  void run(int64_t begin, int64_t end, int64_t grain, RangeFn fn) {
    if (end <= begin) return;
    if (grain < 1) grain = 1;
    const int64_t len = end - begin;
    const int64_t units = (len + grain - 1) / grain;
    const int want = requested();
    int64_t nchunks = std::min<int64_t>(want, units);
    if (nchunks <= 1 || tls_in_region) {
      fn(begin, end);
      return;
    }
    std::unique_lock<std::mutex> submit(submit_mu_, std::try_to_lock);
    if (!submit.owns_lock()) {  // another thread is using the pool: run inline
      const bool prev = tls_in_region;
      tls_in_region = true;
      try {
        fn(begin, end);
      } catch (...) {
        tls_in_region = prev;
        throw;
      }
      tls_in_region = prev;
      return;
    }
    resize_locked(want);
    const int nworkers = (int)workers_.size();
    nchunks = std::min<int64_t>(nchunks, nworkers + 1);
    if (nchunks <= 1) {
      submit.unlock();
      fn(begin, end);
      return;
    }
    // Describe the job, then publish it.
    fn_ = &fn;
    begin_ = begin;
    end_ = end;
    grain_ = grain;
    units_ = units;
    error_ = nullptr;
    done_.store(0, std::memory_order_relaxed);
    const uint64_t gen = ++gen_counter_ & 0xffffffffu;
    claim_.store((gen << 32) | ((uint64_t)nchunks << 16), std::memory_order_release);
    const int helpers = (int)nchunks - 1;  // workers 1..helpers are woken
    bool notify;
    {
      std::lock_guard<std::mutex> lk(mu_);
      ++wake_seq_;
      ticket_.store((wake_seq_ << 16) | (uint64_t)helpers, std::memory_order_release);
      notify = sleepers_ > 0;
    }
    if (notify) work_cv_.notify_all();  // outside the lock: woken threads need mu_
    tls_in_region = true;
    run_chunks();
    tls_in_region = false;
    // Wait until every chunk is done: short spin, then block.
    if (done_.load(std::memory_order_acquire) != nchunks) {
      const auto t0 = std::chrono::steady_clock::now();
      const auto limit = std::chrono::microseconds(std::max(spin_us_, 20));
      for (int it = 1;; ++it) {
        if (done_.load(std::memory_order_acquire) == nchunks) break;
        cpu_relax();
        if ((it & 63) == 0 && std::chrono::steady_clock::now() - t0 > limit) {
          std::unique_lock<std::mutex> lk(mu_);
          caller_sleeping_.store(true, std::memory_order_seq_cst);
          done_cv_.wait(lk, [&] { return done_.load(std::memory_order_seq_cst) == nchunks; });
          caller_sleeping_.store(false, std::memory_order_relaxed);
          break;
        }
      }
    }
    std::exception_ptr err = error_;
    error_ = nullptr;
    submit.unlock();
    if (err) std::rethrow_exception(err);
  }

  // Heuristic, racy by nature: true if no worker is blocked in the kernel.
  bool workers_awake() const {
    return workers_created_.load(std::memory_order_relaxed) && sleeping_.load(std::memory_order_relaxed) == 0;
  }

  // Wakes sleeping workers without giving them work: they spin for
  // MYELIN_SPIN_US waiting for a job, then sleep again. No-op while the pool
  // is busy.
  void wake() {
    std::unique_lock<std::mutex> submit(submit_mu_, std::try_to_lock);
    if (!submit.owns_lock()) return;
    resize_locked(requested());
    if (workers_.empty()) return;
    {
      std::lock_guard<std::mutex> lk(mu_);
      if (sleepers_ == 0) return;
      ++wake_seq_;
      ticket_.store(wake_seq_ << 16, std::memory_order_release);  // 0 helpers: nothing to do
    }
    work_cv_.notify_all();
  }

  void resize_locked(int want) {
    const int nworkers = std::max(0, want - 1);
    if ((int)workers_.size() == nworkers) return;
    stop_workers();
    stop_.store(false);
    workers_.reserve(nworkers);
    for (int i = 0; i < nworkers; ++i) {
      try {
        workers_.emplace_back(&Pool::worker_main, this, i + 1, ticket_.load());
      } catch (const std::system_error&) {
        break;  // could not create more threads: run with what we have
      }
    }
    workers_created_.store(!workers_.empty(), std::memory_order_relaxed);
  }

 private:
  void stop_workers() {
    {
      std::lock_guard<std::mutex> lk(mu_);
      stop_.store(true);
      work_cv_.notify_all();
    }
    for (auto& t : workers_) t.join();
    workers_.clear();
  }

  // Claims and runs chunks of the current job until none is left.
  void run_chunks() {
    uint64_t v = claim_.load(std::memory_order_acquire);
    for (;;) {
      const uint64_t n = (v >> 16) & 0xffff, c = v & 0xffff;
      if (c >= n) return;
      if (!claim_.compare_exchange_weak(v, v + 1, std::memory_order_acq_rel, std::memory_order_acquire))
        continue;  // v reloaded
      const int64_t u0 = (int64_t)c * units_ / (int64_t)n, u1 = (int64_t)(c + 1) * units_ / (int64_t)n;
      const int64_t lo = begin_ + u0 * grain_;
      const int64_t hi = std::min(end_, begin_ + u1 * grain_);
      try {
        (*fn_)(lo, hi);
      } catch (...) {
        std::lock_guard<std::mutex> lk(err_mu_);
        if (!error_) error_ = std::current_exception();
      }
      if (done_.fetch_add(1, std::memory_order_seq_cst) + 1 == (int64_t)n &&
          caller_sleeping_.load(std::memory_order_seq_cst)) {
        std::lock_guard<std::mutex> lk(mu_);
        done_cv_.notify_all();
      }
      v = claim_.load(std::memory_order_acquire);
    }
  }

  void worker_main(int id, uint64_t seen) {
    tls_in_region = true;  // nested parallel_for inside a task runs serially
    for (;;) {
      uint64_t t = ticket_.load(std::memory_order_acquire);
      if (t == seen && !stop_.load(std::memory_order_relaxed)) {
        // Bounded spin, then block.
        const auto t0 = std::chrono::steady_clock::now();
        const auto limit = std::chrono::microseconds(spin_us_);
        for (int it = 1; spin_us_ > 0; ++it) {
          cpu_relax();
          t = ticket_.load(std::memory_order_acquire);
          if (t != seen || stop_.load(std::memory_order_relaxed)) break;
          if ((it & 63) == 0 && std::chrono::steady_clock::now() - t0 > limit) break;
        }
        if (t == seen) {
          std::unique_lock<std::mutex> lk(mu_);
          ++sleepers_;
          sleeping_.fetch_add(1, std::memory_order_relaxed);
          work_cv_.wait(lk, [&] {
            return ticket_.load(std::memory_order_acquire) != seen || stop_.load(std::memory_order_relaxed);
          });
          --sleepers_;
          sleeping_.fetch_sub(1, std::memory_order_relaxed);
          t = ticket_.load(std::memory_order_acquire);
        }
      }
      if (stop_.load(std::memory_order_relaxed)) return;
      if (t == seen) continue;
      seen = t;
      if (id > (int)(t & 0xffff)) continue;  // not needed for this job
      run_chunks();
    }
  }

  const int spin_us_;
  std::atomic<int> requested_{0};
  std::mutex submit_mu_;
  std::mutex mu_;
  std::condition_variable work_cv_, done_cv_;
  int sleepers_ = 0;         // guarded by mu_
  std::atomic<int> sleeping_{0};  // mirror of sleepers_ readable without the lock
  uint64_t wake_seq_ = 0;    // guarded by mu_
  std::atomic<uint64_t> ticket_{0};  // wake_seq:48 | helpers:16
  std::atomic<bool> stop_{false};
  std::atomic<bool> workers_created_{false};
  std::atomic<bool> caller_sleeping_{false};
  std::vector<std::thread> workers_;
  // Current job (written by the submitter before claim_ is published).
  const RangeFn* fn_ = nullptr;
  int64_t begin_ = 0, end_ = 0, grain_ = 1, units_ = 0;
  uint64_t gen_counter_ = 0;              // submitter only (under submit_mu_)
  std::atomic<uint64_t> claim_{0};        // gen:32 | nchunks:16 | next:16
  std::atomic<int64_t> done_{0};
  std::mutex err_mu_;
  std::exception_ptr error_;
};

// Intentionally leaked: never destroyed, so no joining of workers during static
// destruction (worker threads blocked on the condition variable simply vanish
// at process exit).
Pool& pool() {
  static Pool* p = new Pool();
  return *p;
}

}  // namespace

int physical_core_count() {
  static const int n = detect_physical_cores();
  return n;
}

int get_num_threads() { return pool().requested(); }

void set_num_threads(int n) { pool().request(n); }

bool in_parallel_region() { return tls_in_region; }

bool pool_workers_awake() { return pool().workers_awake(); }

void pool_wake_workers() { pool().wake(); }

void parallel_for(int64_t begin, int64_t end, int64_t grain, RangeFn fn) {
  pool().run(begin, end, grain, fn);
}

}  // namespace myelin
