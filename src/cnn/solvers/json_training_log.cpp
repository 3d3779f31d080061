#include "cnn/solvers/json_training_log.hpp"

#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "cnn/core/common.hpp"
#include "cnn/io/json_text.hpp"
#include "cnn/solvers/solver.hpp"

namespace cnn {
namespace {

// A rate is a measurement: four digits, as glog prints it.
std::string Digits(double v, int digits) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*g", digits, v);
  return buf;
}

}  // namespace

JsonTrainingLog::JsonTrainingLog(const std::string& path) : path_(path) {
  // Fail before training starts, not at the first display hours later.
  FILE* probe = std::fopen(path_.c_str(), "a");
  CNN_CHECK(probe != nullptr, "cannot write the JSON training log '" << path_ << "' (log_json): "
                                                                     << std::strerror(errno));
  std::fclose(probe);
}

JsonTrainingLog::~JsonTrainingLog() {
  if (file_ != nullptr) std::fclose(file_);
}

std::string JsonTrainingLog::Line(const TrainingEvent& e, double unix_time) {
  static const char* kNames[] = {"iteration", "train", "test", "snapshot"};
  std::string s = std::string("{\"event\":\"") + kNames[e.kind] + "\",\"iter\":" + std::to_string(e.iter) +
                  ",\"max_iter\":" + std::to_string(e.max_iter);
  // Six digits tell iterations apart on any train set a run can finish.
  if (e.epoch >= 0) s += ",\"epoch\":" + JsonNumber(std::strtod(Digits(e.epoch, 6).c_str(), nullptr));
  if (e.kind == TrainingEvent::DISPLAY || e.kind == TrainingEvent::ITERATION) {
    s += ",\"loss\":" + JsonNumber(e.loss) + ",\"lr\":" + JsonNumber(e.lr);
    if (e.iters_per_s > 0) s += ",\"iters_per_s\":" + JsonNumber(std::strtod(Digits(e.iters_per_s, 4).c_str(), nullptr));
  }
  if (e.kind == TrainingEvent::TEST) s += ",\"net\":" + std::to_string(e.test_net);
  if (e.kind == TrainingEvent::DISPLAY || e.kind == TrainingEvent::TEST) {
    s += ",\"outputs\":{";
    for (size_t i = 0; i < e.outputs.size(); ++i)
      s += (i ? "," : "") + JsonString(e.outputs[i].first) + ":" + JsonNumber(e.outputs[i].second);
    s += "}";
  }
  if (!e.grad_norms.empty()) {
    s += ",\"grad_norms\":{";
    for (size_t i = 0; i < e.grad_norms.size(); ++i)
      s += (i ? "," : "") + JsonString(e.grad_norms[i].first) + ":" + JsonNumber(e.grad_norms[i].second);
    s += "}";
  }
  if (e.kind == TrainingEvent::SNAPSHOT) s += ",\"model\":" + JsonString(e.model_file) + ",\"state\":" + JsonString(e.state_file);
  s += ",\"elapsed_s\":" + JsonNumber(static_cast<double>(static_cast<int64_t>(e.elapsed_s * 1e4)) / 1e4);
  s += ",\"time\":" + JsonNumber(static_cast<double>(static_cast<int64_t>(unix_time * 1e3)) / 1e3) + "}";
  return s;
}

void JsonTrainingLog::Open(bool append) {
  if (file_ != nullptr) std::fclose(file_);
  file_ = std::fopen(path_.c_str(), append ? "a" : "w");
  CNN_CHECK(file_ != nullptr, "cannot write the JSON training log '" << path_ << "': " << std::strerror(errno));
}

void JsonTrainingLog::Write(const TrainingEvent& event) {
  if (event.kind == TrainingEvent::ITERATION) return;
  if (file_ == nullptr) Open(false);
  const double now =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  const std::string line = Line(event, now) + "\n";
  CNN_CHECK(std::fwrite(line.data(), 1, line.size(), file_) == line.size() && std::fflush(file_) == 0,
            "writing the JSON training log '" << path_ << "' failed: " << std::strerror(errno));
}

}  // namespace cnn
