// Image decoding for cnn.io.load_image, through the OpenCV the core already
// links, so the package needs no Python image library.
#include <pybind11/numpy.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <string>

#ifdef CNN_WITH_OPENCV
#include <iterator>

#include "cnn/data/image_codecs.hpp"
#include <opencv2/imgproc.hpp>
#endif

#include "bindings.hpp"
#include "cnn/core/common.hpp"

namespace cnn {
namespace python {

void BindImage(py::module_& m) {
  m.def("_read_image", [](const std::string& filename, bool color) -> py::array {
#ifdef CNN_WITH_OPENCV
    // OpenCV only warns on stderr for a missing file; say it the way the
    // other readers do.
    std::ifstream file(filename, std::ios::binary);
    CNN_CHECK(file.good(), "cannot open " << filename << ": " << std::strerror(errno));
    const std::string bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
    cv::Mat image;
    if (!bytes.empty()) {
      const cv::Mat raw(1, static_cast<int>(bytes.size()), CV_8UC1, const_cast<char*>(bytes.data()));
      image = image_codecs::Decode(raw, color ? cv::IMREAD_COLOR : cv::IMREAD_GRAYSCALE);
    }
    CNN_CHECK(!image.empty(), filename << ": cannot read or decode the image");
    if (color) cv::cvtColor(image, image, cv::COLOR_BGR2RGB);
    const py::ssize_t h = image.rows, w = image.cols, c = image.channels();
    py::array_t<uint8_t> out({h, w, c});
    for (py::ssize_t y = 0; y < h; ++y) std::copy_n(image.ptr<uint8_t>(static_cast<int>(y)), w * c, out.mutable_data(y));
    return out;
#else
    CNN_THROW(filename << ": cnn was built without OpenCV, so it cannot decode images (configure with "
                          "-DCNN_WITH_OPENCV=ON)");
#endif
  }, py::arg("filename"), py::arg("color") = true,
     "The image as uint8 rows x cols x channels, RGB (or one grey channel).");
}

}  // namespace python
}  // namespace cnn
