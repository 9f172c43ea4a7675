#include "gptc/threads.h"

#include <omp.h>

#include <cstdlib>

namespace gptc {

ThreadPool &ThreadPool::instance() {
  static ThreadPool pool;
  return pool;
}

ThreadPool::ThreadPool() {
  if (const char *env = std::getenv("GPTC_THREADS"))
    if (int n = std::atoi(env); n > 0)
      omp_set_num_threads(n);
  threads_ = omp_get_max_threads();
}

void ThreadPool::run(int count, const std::function<void(int)> &fn) {
  if (threads_ <= 1 || count <= 1) {
    for (int i = 0; i < count; ++i)
      fn(i);
    return;
  }
#pragma omp parallel for schedule(static) num_threads(count < threads_ ? count : threads_)
  for (int i = 0; i < count; ++i)
    fn(i);
}

void ThreadPool::runTeam(const std::function<void(int, int)> &fn) {
  if (threads_ <= 1) {
    fn(0, 1);
    return;
  }
#pragma omp parallel num_threads(threads_)
  fn(omp_get_thread_num(), omp_get_num_threads());
}

void ThreadPool::barrier() {
#pragma omp barrier
}

} // namespace gptc
