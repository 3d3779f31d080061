#include "cnn/data/window_file.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "cnn/core/common.hpp"

namespace cnn {
namespace {

class LineReader {
 public:
  explicit LineReader(const std::string& path) : path_(path), in_(path) {
    CNN_CHECK(in_.is_open(), "cannot open the windows file '" << path << "': " << std::strerror(errno));
  }

  // The next non-blank line; false at the end of the file.
  bool Next(std::string* line) {
    while (std::getline(in_, *line)) {
      ++number_;
      if (!line->empty() && line->back() == '\r') line->pop_back();
      if (line->find_first_not_of(" \t") != std::string::npos) return true;
    }
    CNN_CHECK(!in_.bad(), "cannot read the windows file '" << path_ << "': " << std::strerror(errno));
    return false;
  }
  // The next line, which must be there: `what` says what it should hold.
  std::string Require(const char* what) {
    std::string line;
    CNN_CHECK(Next(&line), Where() << "the file ends where " << what << " was expected");
    return line;
  }
  std::string Where() const {
    std::ostringstream s;
    s << "windows file '" << path_ << "' line " << number_ << ": ";
    return s.str();
  }
  int number() const { return number_; }

 private:
  std::string path_;
  std::ifstream in_;
  int number_ = 0;
};

// Parses exactly `fields` whitespace-separated numbers of the types given.
template <typename... T>
bool ParseFields(const std::string& line, T*... out) {
  std::istringstream s(line);
  bool ok = true;
  ((ok = ok && static_cast<bool>(s >> *out)), ...);
  std::string rest;
  return ok && !(s >> rest);
}

}  // namespace

WindowFile ReadWindowFile(const std::string& path) {
  LineReader lines(path);
  WindowFile file;
  std::string line;
  while (lines.Next(&line)) {
    std::string hash;
    int index = -1;
    CNN_CHECK(ParseFields(line, &hash, &index) && hash == "#",
              lines.Where() << "expected '# image_index', got '" << line << "'");
    CNN_CHECK(index == static_cast<int>(file.images.size()),
              lines.Where() << "image index " << index << " out of sequence: expected " << file.images.size());
    WindowImage image;
    {
      std::string p = lines.Require("an image path");
      std::istringstream s(p);
      std::string rest;
      CNN_CHECK((s >> image.path) && !(s >> rest), lines.Where() << "expected one image path, got '" << p << "'");
      image.line = lines.number();
    }
    int* dims[3] = {&image.channels, &image.height, &image.width};
    const char* names[3] = {"channels", "height", "width"};
    for (int d = 0; d < 3; ++d) {
      const std::string text = lines.Require(names[d]);
      CNN_CHECK(ParseFields(text, dims[d]) && *dims[d] > 0,
                lines.Where() << "expected the image's " << names[d] << " (a positive integer), got '" << text << "'");
    }
    int num_windows = -1;
    {
      const std::string text = lines.Require("num_windows");
      CNN_CHECK(ParseFields(text, &num_windows) && num_windows >= 0,
                lines.Where() << "expected num_windows (an integer >= 0), got '" << text << "'");
    }
    const int image_index = static_cast<int>(file.images.size());
    for (int i = 0; i < num_windows; ++i) {
      const std::string text = lines.Require("a window 'class_index overlap x1 y1 x2 y2'");
      Window w;
      w.image = image_index;
      w.line = lines.number();
      CNN_CHECK(ParseFields(text, &w.label, &w.overlap, &w.x1, &w.y1, &w.x2, &w.y2),
                lines.Where() << "expected 'class_index overlap x1 y1 x2 y2', got '" << text << "'");
      CNN_CHECK(w.label >= 0, lines.Where() << "class_index " << w.label << " is negative");
      CNN_CHECK(w.overlap >= 0.f && w.overlap <= 1.f, lines.Where() << "overlap " << w.overlap << " is not in [0, 1]");
      CNN_CHECK(0 <= w.x1 && w.x1 <= w.x2 && w.x2 < image.width && 0 <= w.y1 && w.y1 <= w.y2 && w.y2 < image.height,
                lines.Where() << "window (" << w.x1 << ", " << w.y1 << ")-(" << w.x2 << ", " << w.y2
                              << ") does not lie in the " << image.width << "x" << image.height
                              << " image (0 <= x1 <= x2 < width, 0 <= y1 <= y2 < height)");
      file.windows.push_back(w);
    }
    file.images.push_back(image);
  }
  CNN_CHECK(!file.images.empty(), "the windows file '" << path << "' names no images");
  return file;
}

}  // namespace cnn
