// A fork-join pool for the runtime's parallel kernels (the GEMM splits C's
// columns across it). Size: GPTC_THREADS, or the number of cores.
#ifndef GPTC_RUNTIME_THREADS_H
#define GPTC_RUNTIME_THREADS_H

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace gptc {

class ThreadPool {
public:
  static ThreadPool &instance();
  explicit ThreadPool(int threads);
  ~ThreadPool();
  int size() const { return (int)workers_.size() + 1; } // the caller works too

  /// Runs fn(0) .. fn(count - 1) across the pool and returns when all are done.
  /// Not reentrant: one caller at a time.
  void run(int count, const std::function<void(int)> &fn);

private:
  void work();
  void drain();

  std::vector<std::thread> workers_;
  // A run publishes job_/count_, resets next_, then bumps generation_; every
  // worker takes part in every generation once and then bumps done_. Workers
  // spin briefly before sleeping: a training step runs kernels back to back.
  std::atomic<const std::function<void(int)> *> job_{nullptr};
  std::atomic<int> count_{0}, next_{0}, done_{0};
  std::atomic<unsigned long> generation_{0};
  std::atomic<bool> stop_{false};
  std::mutex mutex_;
  std::condition_variable wake_;
};

} // namespace gptc

#endif
