// The terminal's view of a training run: one line, redrawn in place at most
// a few times a second, with iteration/max_iter, loss, lr, iter/s, ETA and
// the latest test scores. Only for a terminal: in a pipe or a file the glog
// lines stay as they are.
#pragma once

#include <chrono>
#include <cstdio>
#include <string>

namespace cnn {
struct TrainingEvent;

namespace tool {

class ProgressLine {
 public:
  explicit ProgressLine(FILE* out) : out_(out) {}
  ~ProgressLine() { Finish(); }
  ProgressLine(const ProgressLine&) = delete;
  ProgressLine& operator=(const ProgressLine&) = delete;

  void OnEvent(const TrainingEvent& event);
  // Ends the line so what follows starts on a fresh one.
  void Finish();
  // The text of the line for these figures (no escape codes).
  static std::string Text(int iter, int max_iter, float loss, float lr, double iters_per_s, double eta_s,
                          const std::string& test);

 private:
  using Clock = std::chrono::steady_clock;
  void Draw(const TrainingEvent& event);

  FILE* out_;
  bool drawn_ = false;
  Clock::time_point last_draw_{};
  // The rate comes from the iterations since the first one seen, so a
  // resumed run's ETA counts only what this run has done.
  int first_iter_ = -1;
  Clock::time_point first_time_{};
  std::string test_;
};

}  // namespace tool
}  // namespace cnn
