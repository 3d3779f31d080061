// R-CNN's windows file, which the WindowData layer reads: for every image,
//   # image_index        (0, 1, 2, ... in file order)
//   image_path
//   channels
//   height
//   width
//   num_windows
// then num_windows lines "class_index overlap x1 y1 x2 y2": a box with
// inclusive pixel corners, its class and its overlap with the image's
// ground truth (a number in [0, 1]).
#pragma once

#include <string>
#include <vector>

namespace cnn {

struct WindowImage {
  std::string path;  // as written (the layer puts root_folder in front)
  int channels = 0, height = 0, width = 0;
  int line = 0;      // of the path, 1-based
};

struct Window {
  int image = 0;  // index into WindowFile::images
  int label = 0;
  float overlap = 0.f;
  int x1 = 0, y1 = 0, x2 = 0, y2 = 0;
  int line = 0;   // 1-based
};

struct WindowFile {
  std::vector<WindowImage> images;
  std::vector<Window> windows;  // in file order
};

// Reads and checks the whole file. Blank lines are skipped. Throws Error
// naming the file and the line ("windows file 'w.txt' line 7: expected
// 'class_index overlap x1 y1 x2 y2', got 'x'") for a malformed or
// out-of-range line, a window outside its image's declared size, an index
// out of sequence, a file cut short, or a file with no image.
WindowFile ReadWindowFile(const std::string& path);

}  // namespace cnn
