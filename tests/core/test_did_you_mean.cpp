// "Did you mean": the edit distance and the choice of a suggestion, and the
// places that use it (unknown layer types, commands and flags).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "cnn/core/did_you_mean.hpp"
#include "cnn/core/layer_registry.hpp"
#include "support/test_support.hpp"

namespace cnn {
namespace test {
namespace {

TEST(DidYouMean, EditDistanceCountsSwapsAsOneAndIgnoresCase) {
  EXPECT_EQ(EditDistance("", ""), 0);
  EXPECT_EQ(EditDistance("abc", ""), 3);
  EXPECT_EQ(EditDistance("kitten", "sitting"), 3);
  EXPECT_EQ(EditDistance("Convolutoin", "Convolution"), 1);
  EXPECT_EQ(EditDistance("relu", "ReLU"), 0);
  EXPECT_EQ(EditDistance("modle", "model"), 1);
}

TEST(DidYouMean, SuggestsOnlyCloseCandidates) {
  const std::vector<std::string> types = {"Convolution", "Deconvolution", "ReLU", "Pooling"};
  EXPECT_EQ(ClosestMatch("Convolutoin", types), "Convolution");
  EXPECT_EQ(ClosestMatch("relu", types), "ReLU");
  EXPECT_EQ(ClosestMatch("Polling", types), "Pooling");
  EXPECT_EQ(ClosestMatch("Transformer", types), "");
  EXPECT_EQ(DidYouMean("Poolin", types), " (did you mean 'Pooling'?)");
  EXPECT_EQ(DidYouMean("xyz", types), "");
}

TEST(DidYouMean, UnknownLayerTypeSuggestsTheRegisteredOne) {
  LayerParameter p = ParseLayer(R"(name: "c" type: "InnerProdcut")");
  const std::string e = ErrorOf([&] { LayerRegistry::Create(p); });
  EXPECT_NE(e.find("layer 'c': unknown type 'InnerProdcut' (did you mean 'InnerProduct'?); known types: "),
            std::string::npos)
      << e;
}

TEST(DidYouMean, UnknownCommandAndFlagSuggestTheKnownOnes) {
  ToolResult r = Cnn("sumary --model=x");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.output.find("cnn: unknown command 'sumary' (did you mean 'summary'?)"), std::string::npos) << r.output;
  r = Cnn("export_onnx --modle=x.prototxt --weights=w --out=o.onnx");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.output.find("cnn: error: unknown flag --modle (did you mean --model?); `cnn help export_onnx` lists "
                          "its flags"),
            std::string::npos)
      << r.output;
  // Known flags, their bool negation and "--flag value" are not flagged.
  r = Cnn("fold_bn --nocheck --model x.prototxt");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.output.find("cnn fold_bn needs --weights"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace test
}  // namespace cnn
