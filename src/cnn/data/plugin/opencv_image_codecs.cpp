// The image codecs' table (image_codecs.hpp) over OpenCV's imgcodecs. Built
// twice: linked into the tests (CNN_IMAGE_CODECS_LINKED: it provides itself
// before main), and as libcnn_image_codecs.so, which the Python module and
// the tool load on first use. Nothing here calls into the core.
#include <opencv2/imgcodecs.hpp>

#include "cnn/data/image_codecs.hpp"

namespace {

cv::Mat Decode(const cv::Mat& bytes, int imread_flags) { return cv::imdecode(bytes, imread_flags); }

bool Encode(const std::string& ext, const cv::Mat& image, std::vector<unsigned char>* out) {
  return cv::imencode(ext, image, *out);
}

const cnn::image_codecs::Table kTable = {Decode, Encode};

#ifdef CNN_IMAGE_CODECS_LINKED
[[maybe_unused]] const bool provided = (cnn::image_codecs::Provide(&kTable), true);
#endif

}  // namespace

extern "C" __attribute__((visibility("default"))) const cnn::image_codecs::Table* cnn_image_codecs() {
  return &kTable;
}
