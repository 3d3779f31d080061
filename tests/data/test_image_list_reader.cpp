#include "cnn/data/image_list_reader.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <string>
#include <vector>

#include "support/test_support.hpp"

namespace cnn {
namespace {

// A list of n lines "f<i>.png <i>".
std::string WriteList(int n) {
  const std::string path = test::MakeTempDir() + "/list.txt";
  std::ofstream out(path);
  for (int i = 0; i < n; ++i) out << "f" << i << ".png " << i << "\n";
  return path;
}

// Labels of the next `count` lines.
std::vector<int> Labels(ImageListReader& reader, int count) {
  std::vector<int> out;
  for (int i = 0; i < count; ++i) {
    out.push_back(reader.entry().label);
    reader.Next();
  }
  return out;
}

TEST(ImageListReader, ListOrderWrapsAroundWithRootAndDescription) {
  const std::string list = WriteList(3);
  ImageListReader reader(list, "/data/", false, 0);
  EXPECT_EQ(reader.size(), 3u);
  EXPECT_EQ(reader.path(), "/data/f0.png");
  EXPECT_EQ(Labels(reader, 7), (std::vector<int>{0, 1, 2, 0, 1, 2, 0}));
  EXPECT_EQ(reader.offset(), 7u);
  EXPECT_EQ(reader.Describe(), "image '/data/f1.png' (line 2 of '" + list + "') ");
}

TEST(ImageListReader, EveryShuffledPassIsAPermutationOfItsOwn) {
  const int n = 10;
  ImageListReader reader(WriteList(n), "", true, 42);
  std::vector<std::vector<int>> passes;
  for (int p = 0; p < 3; ++p) passes.push_back(Labels(reader, n));
  std::vector<int> identity(n);
  for (int i = 0; i < n; ++i) identity[i] = i;
  for (auto pass : passes) {
    std::sort(pass.begin(), pass.end());
    EXPECT_EQ(pass, identity);
  }
  EXPECT_NE(passes[0], passes[1]);
  EXPECT_NE(passes[1], passes[2]);
  EXPECT_NE(passes[0], identity);
}

TEST(ImageListReader, SeekAndReseedReachWhatReadingReaches) {
  const std::string list = WriteList(7);
  ImageListReader straight(list, "", true, 9);
  const std::vector<int> all = Labels(straight, 40);
  for (uint64_t offset : {0u, 3u, 7u, 15u, 33u}) {
    SCOPED_TRACE(offset);
    // A reader with another seed, reseeded and sought, continues as the straight one did.
    ImageListReader other(list, "", true, 1234);
    Labels(other, 11);
    other.Reseed(9);
    other.SeekTo(offset);
    EXPECT_EQ(other.offset(), offset);
    EXPECT_EQ(Labels(other, 40 - static_cast<int>(offset)), std::vector<int>(all.begin() + offset, all.end()));
  }
  ImageListReader skipped(list, "", true, 9);
  skipped.Skip(12);
  EXPECT_EQ(skipped.entry().label, all[12]);
}

TEST(ImageListReader, AListWithoutLinesIsAnError) {
  const std::string list = WriteList(0);
  EXPECT_EQ(test::ErrorOf([&] { ImageListReader(list, "", false, 0); }),
            "the image list '" + list + "' names no images");
}

}  // namespace
}  // namespace cnn
