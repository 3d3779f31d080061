// The training log as JSON Lines (SolverParameter.log_json, `cnn train
// --log_json`): one object per display, test and snapshot event, flushed as
// it is written so a dashboard or a notebook can follow a running job.
//
//   {"event":"train","iter":100,"max_iter":10000,"epoch":0.10667,"loss":0.31,"lr":0.01,
//    "iters_per_s":52.3,"outputs":{"loss":0.31},"grad_norms":{"conv1":0.02,...},
//    "elapsed_s":2.1,"time":1796...}
//   {"event":"test","iter":500,"net":0,"outputs":{"accuracy":0.98,"loss":0.05},...}
//   {"event":"snapshot","iter":500,"model":"..caffemodel","state":"..solverstate",...}
//
// "time" is Unix time in seconds; "elapsed_s" counts from the solver's start.
// "epoch" (iter * batch * iter_size / records in the train set) only where
// the train net's data layer knows its source's size; "grad_norms" (per
// layer) only with log_grad_norms.
#pragma once

#include <cstdio>
#include <string>

namespace cnn {

struct TrainingEvent;

class JsonTrainingLog {
 public:
  // Checks now that `path` can be written.
  explicit JsonTrainingLog(const std::string& path);
  // Opens the file: truncated for a fresh run, appended to by a run that
  // resumes from a snapshot (its log goes on where the other stopped).
  // Write opens it truncated when this was not called.
  void Open(bool append);
  ~JsonTrainingLog();
  JsonTrainingLog(const JsonTrainingLog&) = delete;
  JsonTrainingLog& operator=(const JsonTrainingLog&) = delete;

  // ITERATION events are not logged (the progress line's business).
  void Write(const TrainingEvent& event);
  // The line Write prints for an event (no newline).
  static std::string Line(const TrainingEvent& event, double unix_time);

 private:
  std::string path_;
  FILE* file_ = nullptr;
};

}  // namespace cnn
