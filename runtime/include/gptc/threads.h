// The runtime's parallel kernels (the GEMM splits C's columns) and the
// generated code's parallel loops share one OpenMP thread team, so the two
// never compete for cores. Size: GPTC_THREADS, or OpenMP's default (the
// number of cores, or OMP_NUM_THREADS).
#ifndef GPTC_RUNTIME_THREADS_H
#define GPTC_RUNTIME_THREADS_H

#include <functional>

namespace gptc {

class ThreadPool {
public:
  /// The process's pool; the first call applies GPTC_THREADS to the team the
  /// generated code uses too, so call it before the first training step.
  static ThreadPool &instance();
  int size() const { return threads_; }

  /// Runs fn(0) .. fn(count - 1) across the team (static schedule) and returns
  /// when all are done. fn must not throw.
  void run(int count, const std::function<void(int)> &fn);

  /// Runs fn(thread, threads) once on every thread of the team (threads is
  /// the team's real size: 1 when called from inside another parallel
  /// region) and returns when all are done. fn may call barrier(); it must
  /// not throw.
  void runTeam(const std::function<void(int thread, int threads)> &fn);
  /// Waits until every thread of the calling team has reached it (a no-op
  /// outside runTeam).
  static void barrier();

private:
  ThreadPool();
  int threads_ = 1;
};

} // namespace gptc

#endif
