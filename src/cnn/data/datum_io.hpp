// Datum records: checking raw ones, decoding encoded ones (JPEG/PNG bytes,
// as convert_imageset --encoded writes them), building them from image files,
// and reading their values as floats.
//
// A raw Datum holds channels x height x width values in channel-major (CHW)
// order, colour channels in OpenCV's BGR order, either as bytes in `data` or
// as floats in `float_data`.
#pragma once

#include <string>
#include <vector>

#include "cnn/cnn.pb.h"

#ifdef CNN_WITH_OPENCV
#include <opencv2/core.hpp>
#endif

namespace cnn {

// "3x32x32".
std::string DatumShapeString(const Datum& datum);

// Throws Error when a raw (not encoded) datum is unusable: a dimension that
// is not positive, or a payload whose size is not channels*height*width.
// The message continues "record ... of 'db' ", e.g. "has 1x28x28 but holds 10
// bytes of data (expected 784)", so callers put where the datum came from in
// front of it.
void CheckRawDatum(const Datum& datum);

// Decoding replaces an encoded datum by the raw one (label kept). They return
// false, doing nothing, for a datum that is not encoded; they throw Error when
// the bytes are not a decodable 8-bit image, or in a build without OpenCV.
// Native keeps the image's own channel count; the other forces 3 channels
// (is_color) or 1.
bool DecodeDatumNative(Datum* datum);
bool DecodeDatum(Datum* datum, bool is_color);

// A convert_imageset record from an image file, as Caffe builds it: read in
// colour (3 channels, BGR) or grey, resized to height x width when both are
// positive, then stored raw, or encoded as `encoding` ("jpg", "png") when
// encoding is not empty (the file's own bytes are kept when nothing was
// changed and the file is already in that format). Returns false, logging a
// warning, when the file cannot be read as an image, so a tool can skip it.
bool ReadImageToDatum(const std::string& path, int label, int height, int width, bool is_color,
                      const std::string& encoding, Datum* datum);
// The same image as a raw datum, quietly: false when the file cannot be read
// as an image (the caller says which list line named it). Throws Error in a
// build without OpenCV.
bool ReadImageToRawDatum(const std::string& path, int label, int height, int width, bool is_color, Datum* datum);
// A file's bytes as an encoded datum (no decoding); false when unreadable.
bool ReadFileToDatum(const std::string& path, int label, Datum* datum);

// Number of values of a raw datum (channels*height*width).
int DatumCount(const Datum& datum);
// The values of a checked raw datum, in its CHW order, as floats.
void DatumToBlobData(const Datum& datum, float* out);
std::vector<float> DatumToBlobData(const Datum& datum);

#ifdef CNN_WITH_OPENCV
// An 8-bit image (HWC, interleaved BGR) as a raw datum (CHW); label untouched.
void CVMatToDatum(const cv::Mat& image, Datum* datum);
#endif

}  // namespace cnn
