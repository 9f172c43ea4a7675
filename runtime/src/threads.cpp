#include "gptc/threads.h"

#include <cstdlib>

namespace gptc {

namespace {
constexpr int kSpins = 3000; // a short spin; longer spins measured slower and noisier here

inline void relax() {
#if defined(__x86_64__)
  __builtin_ia32_pause();
#endif
}
} // namespace

ThreadPool &ThreadPool::instance() {
  static ThreadPool pool([] {
    if (const char *env = std::getenv("GPTC_THREADS"))
      if (int n = std::atoi(env); n > 0)
        return n;
    unsigned cores = std::thread::hardware_concurrency();
    return cores ? (int)cores : 1;
  }());
  return pool;
}

ThreadPool::ThreadPool(int threads) {
  for (int i = 1; i < threads; ++i)
    workers_.emplace_back([this] { work(); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  for (std::thread &t : workers_)
    t.join();
}

void ThreadPool::drain() {
  const std::function<void(int)> &fn = *job_.load();
  int count = count_.load();
  for (int i = next_.fetch_add(1); i < count; i = next_.fetch_add(1))
    fn(i);
}

void ThreadPool::work() {
  unsigned long seen = 0;
  while (true) {
    int spins = 0;
    while (generation_.load() == seen && !stop_.load() && spins < kSpins) {
      relax();
      ++spins;
    }
    if (generation_.load() == seen && !stop_.load()) {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [&] { return stop_.load() || generation_.load() != seen; });
    }
    if (stop_.load())
      return;
    seen = generation_.load();
    drain();
    done_.fetch_add(1);
  }
}

void ThreadPool::run(int count, const std::function<void(int)> &fn) {
  if (workers_.empty() || count <= 1) {
    for (int i = 0; i < count; ++i)
      fn(i);
    return;
  }
  job_ = &fn;
  count_ = count;
  next_ = 0;
  done_ = 0;
  {
    std::lock_guard<std::mutex> lock(mutex_); // no wake-up is lost to a worker going to sleep
    generation_.fetch_add(1);
  }
  wake_.notify_all();
  drain();
  while (done_.load() < (int)workers_.size())
    relax();
}

} // namespace gptc
