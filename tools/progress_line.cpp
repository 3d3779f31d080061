#include "progress_line.hpp"

#include "cnn/solvers/solver.hpp"

namespace cnn {
namespace tool {
namespace {

std::string Duration(double s) {
  if (!(s >= 0) || s > 1e8) return "?";
  const long t = static_cast<long>(s + 0.5);
  char buf[32];
  if (t >= 3600) {
    std::snprintf(buf, sizeof buf, "%ldh%02ldm", t / 3600, t / 60 % 60);
  } else if (t >= 60) {
    std::snprintf(buf, sizeof buf, "%ldm%02lds", t / 60, t % 60);
  } else {
    std::snprintf(buf, sizeof buf, "%lds", t);
  }
  return buf;
}

}  // namespace

std::string ProgressLine::Text(int iter, int max_iter, float loss, float lr, double iters_per_s, double eta_s,
                               const std::string& test) {
  char buf[160];
  std::snprintf(buf, sizeof buf, "iter %d/%d  loss %.4g  lr %.3g  %.3g it/s  ETA %s", iter, max_iter, loss, lr,
                iters_per_s, iters_per_s > 0 ? Duration(eta_s).c_str() : "?");
  std::string s = buf;
  if (!test.empty()) s += "  test " + test;
  return s;
}

void ProgressLine::OnEvent(const TrainingEvent& e) {
  const auto now = Clock::now();
  if (first_iter_ < 0) {
    first_iter_ = e.iter;
    first_time_ = now;
  }
  if (e.kind == TrainingEvent::TEST) {
    std::string t;
    for (const auto& o : e.outputs) {
      char buf[64];
      std::snprintf(buf, sizeof buf, "%.4g", o.second);
      t += (t.empty() ? "" : " ") + o.first + "=" + buf;
    }
    test_ = e.test_net > 0 ? "#" + std::to_string(e.test_net) + " " + t : t;
    return;
  }
  if (e.kind != TrainingEvent::ITERATION) return;
  // A redraw costs a write to the terminal; a few a second is what an eye reads.
  if (drawn_ && now - last_draw_ < std::chrono::milliseconds(200) && e.iter + 1 < e.max_iter) return;
  last_draw_ = now;
  Draw(e);
}

void ProgressLine::Draw(const TrainingEvent& e) {
  const double secs = std::chrono::duration<double>(Clock::now() - first_time_).count();
  const int done = e.iter - first_iter_;
  const double rate = done > 0 && secs > 0 ? done / secs : 0;
  const double eta = rate > 0 ? (e.max_iter - e.iter) / rate : -1;
  const std::string text = Text(e.iter, e.max_iter, e.loss, e.lr, rate, eta, test_);
  // Carriage return and erase-line: the line is rewritten where it stands.
  std::fprintf(out_, "\r\033[K%s", text.c_str());
  std::fflush(out_);
  drawn_ = true;
}

void ProgressLine::Finish() {
  if (!drawn_) return;
  std::fputc('\n', out_);
  std::fflush(out_);
  drawn_ = false;
}

}  // namespace tool
}  // namespace cnn
