#include "cnn/data/image_decode.hpp"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <string>
#include <thread>

#include "cnn/core/common.hpp"
#include "cnn/data/datum_io.hpp"

namespace cnn {

int ImageDecodeThreads() {
  if (const char* env = std::getenv("CNN_IMAGE_DECODE_THREADS")) {
    char* end = nullptr;
    const long n = std::strtol(env, &end, 10);
    CNN_CHECK(*env != '\0' && *end == '\0' && n >= 1 && n <= 256,
              "CNN_IMAGE_DECODE_THREADS must be a whole number in [1, 256], got '" << env << "'");
    return static_cast<int>(n);
  }
  // Beyond four, a batch's decode is rarely what the step waits for, and more
  // threads would compete with the net's own.
  return static_cast<int>(std::clamp(std::thread::hardware_concurrency(), 1u, 4u));
}

bool DecodeImages(std::vector<ImageDecodeJob>* jobs, int height, int width, bool is_color, int threads,
                  const std::function<bool()>& stopping) {
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i; !stopping() && (i = next.fetch_add(1)) < jobs->size();) {
      ImageDecodeJob& job = (*jobs)[i];
      try {
        job.read = ReadImageToRawDatum(job.path, job.label, height, width, is_color, &job.datum);
      } catch (...) {
        job.error = std::current_exception();
      }
    }
  };
  const int helpers = std::min(threads, static_cast<int>(jobs->size())) - 1;
  std::vector<std::thread> pool;
  for (int t = 0; t < helpers; ++t) pool.emplace_back(work);
  work();
  for (auto& t : pool) t.join();
  // Every job claimed was finished before its thread moved on or returned.
  return next.load() >= jobs->size();
}

}  // namespace cnn
