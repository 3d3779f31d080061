// OpenCV's image codecs (imgcodecs: JPEG, PNG, ... through ~140 shared
// libraries, GDAL among them) reached through a table, so that a process
// that never decodes an image never loads them. The `cnn` tool and the
// tests link the codecs in (data/plugin/opencv_image_codecs.cpp provides
// the table at start-up); the Python module loads the same file, built as
// libcnn_image_codecs.so beside it, the first time an image is decoded or
// encoded. Only in builds with OpenCV.
#pragma once

#ifdef CNN_WITH_OPENCV
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>  // the IMREAD_* flags only

#include <string>
#include <vector>

namespace cnn {
namespace image_codecs {

// What the codecs' object hands out: cv::imdecode and cv::imencode.
struct Table {
  cv::Mat (*decode)(const cv::Mat& bytes, int imread_flags);
  bool (*encode)(const std::string& ext, const cv::Mat& image, std::vector<unsigned char>* out);
};

// The name the plugin exports its table under: a function returning it.
constexpr const char* kEntryPoint = "cnn_image_codecs";

// As cv::imdecode / cv::imencode (their cv::Exceptions included); an Error
// when the codecs cannot be loaded.
cv::Mat Decode(const cv::Mat& bytes, int imread_flags);
bool Encode(const std::string& ext, const cv::Mat& image, std::vector<unsigned char>* out);

// Codecs linked into the program; called before main by the plugin's code.
void Provide(const Table* table);

}  // namespace image_codecs
}  // namespace cnn
#endif
