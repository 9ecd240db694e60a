#include "dataplane/slowpath/command_queue.h"

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <map>
#include <string>
#include <thread>

namespace dpf {
namespace {

using namespace std::chrono_literals;

TEST_CASE("command queue: a task runs on the serving thread and its result comes back") {
  CommandQueue q;
  std::atomic<bool> stop{false};
  std::thread server([&] {
    while (!stop.load()) {
      q.run_pending();
      std::this_thread::sleep_for(1ms);
    }
  });
  const auto id = std::this_thread::get_id();
  const int v = q.call([id] { return std::this_thread::get_id() != id ? 42 : 0; }, 10s);
  stop = true;
  server.join();
  CHECK(v == 42);
}

TEST_CASE("command queue: a task whose caller timed out is cancelled and never runs") {
  CommandQueue q;
  bool ran = false;
  CHECK_THROWS_AS(q.call([&ran] { ran = true; }, 20ms), CommandQueue::Refused);
  CHECK(q.cancelled() == 1);
  CHECK(q.size() == 1);
  // The control thread comes back later: the abandoned task is skipped.
  CHECK(q.run_pending() == 0);
  CHECK_FALSE(ran);
  CHECK(q.size() == 0);
}

TEST_CASE("command queue: a task still running when its caller gives up reads its own copies") {
  CommandQueue q;
  std::string seen;
  std::atomic<bool> caller_gone{false};
  std::thread server([&] {
    while (q.size() == 0) std::this_thread::sleep_for(1ms);
    q.run_pending();
  });
  {
    // The REST thread's request parameters, freed once its call() gave up.
    auto params = std::make_unique<std::map<std::string, std::string>>();
    (*params)["host"] = "10.0.0.2";
    auto task = [p = *params, &seen, &caller_gone] {
      while (!caller_gone.load()) std::this_thread::sleep_for(1ms);
      seen = p.at("host");
    };
    CHECK_THROWS_AS(q.call(std::move(task), 500ms), CommandQueue::Refused);
    params.reset();
    caller_gone = true;
  }
  server.join();
  CHECK(q.cancelled() == 0);  // it had started: finished, not cancelled
  CHECK(seen == "10.0.0.2");
}

TEST_CASE("command queue: a closed queue refuses new tasks and still runs the queued ones") {
  CommandQueue q;
  int runs = 0;
  std::thread caller([&] {
    try {
      q.call([&runs] { ++runs; }, 5s);
    } catch (const CommandQueue::Refused&) {
    }
  });
  while (q.size() == 0) std::this_thread::sleep_for(1ms);
  q.close();
  CHECK_THROWS_AS(q.call([&runs] { ++runs; }, 5s), CommandQueue::Refused);
  CHECK(q.run_pending() == 1);
  caller.join();
  CHECK(runs == 1);
}

TEST_CASE("command queue: an exception thrown by the task reaches the caller") {
  CommandQueue q;
  std::thread server([&] {
    while (q.size() == 0) std::this_thread::sleep_for(1ms);
    q.run_pending();
  });
  CHECK_THROWS_WITH(q.call([]() -> int { throw std::runtime_error("bad request"); }, 5s),
                    "bad request");
  server.join();
}

}  // namespace
}  // namespace dpf
