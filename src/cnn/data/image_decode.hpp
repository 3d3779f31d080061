// Decoding a batch's image files on several threads at once. Decoding is
// where an image list's time goes (a 256x256 JPEG takes milliseconds, its
// transform far less), and it draws no random numbers, so running it in
// parallel changes no result: the caller then transforms the decoded images
// one after the other, in list order, drawing what the sequential path draws.
#pragma once

#include <exception>
#include <functional>
#include <string>
#include <vector>

#include "cnn/cnn.pb.h"

namespace cnn {

struct ImageDecodeJob {
  std::string path;
  int label = 0;
  // Results: read is false when the file cannot be read as an image; error
  // holds what decoding threw (an Error in a build without OpenCV).
  bool read = false;
  Datum datum;
  std::exception_ptr error;
};

// How many threads decode: CNN_IMAGE_DECODE_THREADS when set (a whole number
// >= 1, else an Error), otherwise min(4, the hardware threads).
int ImageDecodeThreads();

// Decodes every job with up to `threads` threads, the caller's among them;
// the others are started for the call and joined before it returns. Returns
// false when `stopping` turned true before every job was done.
bool DecodeImages(std::vector<ImageDecodeJob>* jobs, int height, int width, bool is_color, int threads,
                  const std::function<bool()>& stopping);

}  // namespace cnn
