// Tasks that other threads (the REST thread) hand to the control thread, each caller waiting for
// its result up to a deadline. A task owns everything it reads (the callable is moved in: capture
// by value), and a task whose caller stopped waiting is cancelled: it never starts afterwards. A
// task already running when its caller gives up finishes on its own copies; its result is
// dropped. call() on any thread; run_pending() on the one thread that serves the queue. No DPDK;
// allocates one shared task per call.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <deque>
#include <future>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <type_traits>
#include <utility>

namespace dpf {

class CommandQueue {
 public:
  // call() refused the task (the queue is closed) or gave up waiting (the task was cancelled,
  // or had started and its result is dropped).
  struct Refused : std::runtime_error {
    using std::runtime_error::runtime_error;
  };

  // Queues f (moved in) and waits up to `timeout` for its result; rethrows what f throws.
  // Throws Refused when the queue is closed or the wait ends first.
  template <class F>
  auto call(F f, std::chrono::nanoseconds timeout) -> std::invoke_result_t<F&> {
    using R = std::invoke_result_t<F&>;
    auto job = std::make_shared<Job<R>>(std::move(f));
    auto result = job->task.get_future();
    {
      std::lock_guard lock(mu_);
      if (closed_) throw Refused("the node is stopping");
      jobs_.push_back(job);
    }
    if (result.wait_for(timeout) != std::future_status::ready) {
      int queued = kQueued;
      if (job->phase.compare_exchange_strong(queued, kCancelled, std::memory_order_acq_rel)) {
        cancelled_.fetch_add(1, std::memory_order_relaxed);
        throw Refused("the control thread did not answer (the request was cancelled)");
      }
      throw Refused("the control thread did not answer in time");
    }
    return result.get();
  }

  // The serving thread: runs the tasks queued so far, in order, skipping cancelled ones.
  // Returns how many ran.
  size_t run_pending() {
    std::deque<std::shared_ptr<JobBase>> jobs;
    {
      std::lock_guard lock(mu_);
      jobs.swap(jobs_);
    }
    size_t ran = 0;
    for (auto& j : jobs) {
      int queued = kQueued;
      if (!j->phase.compare_exchange_strong(queued, kRunning, std::memory_order_acq_rel)) continue;
      j->run();
      ++ran;
    }
    return ran;
  }

  // No task is accepted afterwards (those queued still run with run_pending()).
  void close() {
    std::lock_guard lock(mu_);
    closed_ = true;
  }

  // Tasks queued and not yet taken by run_pending() (cancelled ones included).
  size_t size() const {
    std::lock_guard lock(mu_);
    return jobs_.size();
  }
  // Tasks cancelled because their caller stopped waiting before they started.
  uint64_t cancelled() const noexcept { return cancelled_.load(std::memory_order_relaxed); }

 private:
  enum : int { kQueued, kRunning, kCancelled };
  struct JobBase {
    virtual ~JobBase() = default;
    virtual void run() = 0;
    std::atomic<int> phase{kQueued};
  };
  template <class R>
  struct Job final : JobBase {
    template <class F>
    explicit Job(F&& f) : task(std::forward<F>(f)) {}
    void run() override { task(); }
    std::packaged_task<R()> task;
  };

  mutable std::mutex mu_;
  std::deque<std::shared_ptr<JobBase>> jobs_;
  bool closed_ = false;
  std::atomic<uint64_t> cancelled_{0};
};

}  // namespace dpf
