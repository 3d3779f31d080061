// convert_imageset's list files: the label is the last word (paths may hold
// spaces), malformed lines name file:line, and the shuffle repeats per seed.
#include "cnn/data/image_list.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "cnn/core/common.hpp"
#include "support/test_support.hpp"

namespace cnn {
namespace test {
namespace {

class ImageListTest : public ::testing::Test {
 protected:
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string Write(const std::string& text) {
    const std::string path = dir_ + "/list.txt";
    std::ofstream(path, std::ios::binary) << text;
    return path;
  }
  std::string ErrorOf(const std::string& text) {
    const std::string path = Write(text);
    try {
      ReadImageList(path);
    } catch (const Error& e) {
      return e.what();
    }
    ADD_FAILURE() << "no Error for: " << text;
    return "";
  }
  std::string dir_ = MakeTempDir();
};

TEST_F(ImageListTest, LabelIsTheLastWordAndLinesAreNumbered) {
  const auto entries =
      ReadImageList(Write("cat/1.png 3\n\n  dir with spaces/my image.jpg\t7\r\nx.png -2   \n"));
  ASSERT_EQ(entries.size(), 3u);
  EXPECT_EQ(entries[0].path, "cat/1.png");
  EXPECT_EQ(entries[0].label, 3);
  EXPECT_EQ(entries[0].line, 1);
  EXPECT_EQ(entries[1].path, "dir with spaces/my image.jpg");
  EXPECT_EQ(entries[1].label, 7);
  EXPECT_EQ(entries[1].line, 3);  // the blank line 2 is skipped but counted
  EXPECT_EQ(entries[2].path, "x.png");
  EXPECT_EQ(entries[2].label, -2);
  EXPECT_EQ(entries[2].line, 4);
}

TEST_F(ImageListTest, LastLineWithoutNewline) {
  const auto entries = ReadImageList(Write("a.png 0\nb.png 1"));
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[1].path, "b.png");
  EXPECT_EQ(entries[1].label, 1);
}

TEST_F(ImageListTest, MalformedLinesNameFileAndLine) {
  const std::string list = dir_ + "/list.txt";
  std::string e = ErrorOf("a.png 0\nb.png\n");
  EXPECT_NE(e.find(list + ":2: expected 'path label', got 'b.png'"), std::string::npos) << e;
  e = ErrorOf("a.png 0\n\nb.png cat\n");
  EXPECT_NE(e.find(list + ":3: the label 'cat'"), std::string::npos) << e;
  EXPECT_NE(e.find("not an integer"), std::string::npos) << e;
  e = ErrorOf("a.png 1.5\n");
  EXPECT_NE(e.find(":1: the label '1.5'"), std::string::npos) << e;
  e = ErrorOf("a.png 99999999999\n");
  EXPECT_NE(e.find(":1: the label '99999999999'"), std::string::npos) << e;
}

TEST_F(ImageListTest, MissingListFile) {
  try {
    ReadImageList(dir_ + "/nope.txt");
    FAIL() << "no Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("cannot open the image list '" + dir_ + "/nope.txt'"),
              std::string::npos)
        << e.what();
  }
}

std::vector<ImageListEntry> Numbered(int n) {
  std::vector<ImageListEntry> entries(n);
  for (int i = 0; i < n; ++i) {
    entries[i].path = std::to_string(i) + ".png";
    entries[i].label = i;
    entries[i].line = i + 1;
  }
  return entries;
}

std::vector<int> Labels(const std::vector<ImageListEntry>& entries) {
  std::vector<int> labels;
  for (const auto& e : entries) labels.push_back(e.label);
  return labels;
}

TEST(ImageListShuffle, SameSeedSameOrderOtherSeedOtherOrder) {
  auto a = Numbered(50), b = Numbered(50), c = Numbered(50);
  ShuffleImageList(&a, 1701);
  ShuffleImageList(&b, 1701);
  ShuffleImageList(&c, 7);
  EXPECT_EQ(Labels(a), Labels(b));
  EXPECT_NE(Labels(a), Labels(c));
  EXPECT_NE(Labels(a), Labels(Numbered(50)));
  // A permutation: every entry once, each still with its own path and line.
  std::vector<int> sorted = Labels(a);
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(sorted, Labels(Numbered(50)));
  for (const auto& e : a) {
    EXPECT_EQ(e.path, std::to_string(e.label) + ".png");
    EXPECT_EQ(e.line, e.label + 1);
  }
}

TEST(ImageListShuffle, EveryPositionIsReachable) {
  // Over many seeds each of 4 entries lands in each position about 1/4 of the
  // time; a biased or off-by-one shuffle leaves some position (near) empty.
  int counts[4][4] = {};
  for (uint32_t seed = 0; seed < 4000; ++seed) {
    auto entries = Numbered(4);
    ShuffleImageList(&entries, seed);
    for (int pos = 0; pos < 4; ++pos) ++counts[entries[pos].label][pos];
  }
  for (int label = 0; label < 4; ++label) {
    for (int pos = 0; pos < 4; ++pos) {
      EXPECT_GT(counts[label][pos], 850) << "label " << label << " at " << pos;
      EXPECT_LT(counts[label][pos], 1150) << "label " << label << " at " << pos;
    }
  }
}

TEST(ImageListShuffle, EmptyAndSingleLists) {
  std::vector<ImageListEntry> none;
  ShuffleImageList(&none, 1);
  EXPECT_TRUE(none.empty());
  auto one = Numbered(1);
  ShuffleImageList(&one, 1);
  EXPECT_EQ(one[0].label, 0);
}

}  // namespace
}  // namespace test
}  // namespace cnn
