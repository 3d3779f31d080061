// `cnn convert_imageset --progress_every`: on a long list the tool says how
// far through the list it is and how fast it goes (the figure itself depends
// on the machine, so only its form is checked), and a bad value is refused.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <string>

#include "support/test_support.hpp"

#ifdef CNN_WITH_OPENCV
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#endif

namespace cnn {
namespace test {
namespace {

#ifdef CNN_WITH_OPENCV
TEST(ConvertImagesetProgress, ShareOfTheListAndRateEveryNImages) {
  const std::string dir = MakeTempDir();
  ASSERT_TRUE(cv::imwrite(dir + "/a.png", cv::Mat(3, 4, CV_8UC3, cv::Scalar(1, 2, 3))));
  // Seven lines, one unreadable: 6 images written, progress after 2, 4 and 6.
  std::ofstream(dir + "/list.txt") << "a.png 0\na.png 1\nmissing.png 2\na.png 3\na.png 4\na.png 5\na.png 6\n";
  const ToolResult r = Cnn("convert_imageset --progress_every=2 " + dir + "/ " + dir + "/list.txt " + dir + "/db");
  ASSERT_EQ(r.status, 0) << r.output;
  // Written count, then the share of list lines done (skipped ones count as done).
  const std::regex line(R"(Processed (\d) of 7 images \((\d+\.\d)% of the list, (\d+) images/s\))");
  std::vector<std::string> seen;
  for (std::sregex_iterator it(r.output.begin(), r.output.end(), line), end; it != end; ++it) {
    seen.push_back((*it)[1].str() + " " + (*it)[2].str());
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"2 28.6", "4 71.4", "6 100.0"})) << r.output;
  std::filesystem::remove_all(dir);
}
#endif

TEST(ConvertImagesetProgress, ZeroIsRefused) {
  const ToolResult r = Cnn("convert_imageset --progress_every=0 / list.txt db");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.output.find("cnn: error: --progress_every must be positive, got 0"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace test
}  // namespace cnn
