// data/c3d_clips's generator and models/c3d_clips: the clips follow the
// documented motion rule (checked frame by frame against the pictures given),
// repeat exactly under a seed, and the model trains a few iterations on a few
// generated clips; the deploy net takes the trained weights.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "cnn/cnn.pb.h"
#include "cnn/data/db.hpp"
#include "cnn/io/proto_io.hpp"
#include "cnn/net/net.hpp"
#include "support/test_support.hpp"

namespace cnn {
namespace test {
namespace {

constexpr int kPictures = 3;
constexpr int kSide = 28;

// The generator is built beside the tool: <build>/data/c3d_clips/make_c3d_clips.
std::string Generator() {
  const std::filesystem::path tool(ToolPath());
  return (tool.parent_path().parent_path() / "data" / "c3d_clips" / "make_c3d_clips").string();
}

std::string ReadBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void PutBigEndian(std::string* out, uint32_t v) {
  for (int s = 24; s >= 0; s -= 8) out->push_back(static_cast<char>((v >> s) & 0xff));
}

// Picture p's pixel (r, c): never 0, so a picture's extent in a frame is
// exactly its nonzero pixels.
char PicturePixel(int p, int r, int c) { return static_cast<char>(1 + (p * 71 + r * 13 + c * 7) % 255); }

std::vector<std::pair<std::string, Datum>> ReadAll(const std::string& path) {
  std::vector<std::pair<std::string, Datum>> records;
  auto db = OpenDB("lmdb", path, DB::READ);
  for (auto cursor = db->NewCursor(); cursor->Valid(); cursor->Next()) {
    Datum d;
    EXPECT_TRUE(d.ParseFromString(cursor->value()));
    records.emplace_back(cursor->key(), d);
  }
  return records;
}

class C3dClips : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = MakeTempDir();
    std::string idx;
    PutBigEndian(&idx, 2051);
    for (uint32_t v : {uint32_t(kPictures), uint32_t(kSide), uint32_t(kSide)}) PutBigEndian(&idx, v);
    for (int p = 0; p < kPictures; ++p) {
      for (int r = 0; r < kSide; ++r) {
        for (int c = 0; c < kSide; ++c) idx.push_back(PicturePixel(p, r, c));
      }
    }
    std::ofstream(Path("images.idx"), std::ios::binary) << idx;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string Path(const std::string& name) const { return dir_ + "/" + name; }
  int Generate(const std::string& out, int count, int seed, const std::string& flags, std::string* output) {
    return RunCommand(Generator() + " " + Path("images.idx") + " " + out + " " + std::to_string(count) + " " +
                          std::to_string(seed) + " " + flags,
                      output);
  }
  std::string dir_;
};

TEST_F(C3dClips, ClipsFollowTheMotionRule) {
  std::string output;
  ASSERT_EQ(Generate(Path("clips"), 40, 7, "--size=48 --frames=6", &output), 0) << output;
  const auto records = ReadAll(Path("clips"));
  ASSERT_EQ(records.size(), 40u);
  const int size = 48, frames = 6, room = size - kSide;
  // Label order: right, up-right, up, up-left, left, down-left, down, down-right.
  const int dx[8] = {1, 1, 0, -1, -1, -1, 0, 1};
  const int dy[8] = {0, -1, -1, -1, 0, 1, 1, 1};
  std::vector<int> seen(8, 0);
  for (size_t n = 0; n < records.size(); ++n) {
    const Datum& d = records[n].second;
    EXPECT_EQ(records[n].first, std::string(8 - std::to_string(n).size(), '0') + std::to_string(n));
    ASSERT_EQ(d.channels(), frames);
    ASSERT_EQ(d.height(), size);
    ASSERT_EQ(d.width(), size);
    ASSERT_EQ(d.data().size(), size_t(frames * size * size));
    const int label = d.label();
    ASSERT_GE(label, 0);
    ASSERT_LT(label, 8);
    ++seen[label];
    std::vector<int> xs, ys;
    int picture = -1;
    for (int t = 0; t < frames; ++t) {
      const char* f = d.data().data() + t * size * size;
      int top = size, left = size, bottom = -1, right = -1;
      for (int r = 0; r < size; ++r) {
        for (int c = 0; c < size; ++c) {
          if (f[r * size + c] == 0) continue;
          top = std::min(top, r), bottom = std::max(bottom, r);
          left = std::min(left, c), right = std::max(right, c);
        }
      }
      ASSERT_EQ(bottom - top + 1, kSide) << "clip " << n << " frame " << t;
      ASSERT_EQ(right - left + 1, kSide) << "clip " << n << " frame " << t;
      // The block is one of the pictures, the same one in every frame.
      int match = -1;
      for (int p = 0; p < kPictures && match < 0; ++p) {
        bool same = true;
        for (int r = 0; r < kSide && same; ++r) {
          for (int c = 0; c < kSide && same; ++c) same = f[(top + r) * size + left + c] == PicturePixel(p, r, c);
        }
        if (same) match = p;
      }
      ASSERT_GE(match, 0) << "clip " << n << " frame " << t;
      if (picture < 0) picture = match;
      EXPECT_EQ(match, picture);
      xs.push_back(left);
      ys.push_back(top);
    }
    for (const auto& [at, step] : {std::make_pair(xs, dx[label]), std::make_pair(ys, dy[label])}) {
      const int moved = at.back() - at.front();
      if (step == 0) {
        EXPECT_EQ(moved, 0) << "clip " << n;
        continue;
      }
      // Travel of D in [room/2, room] pixels, split evenly over the frames.
      EXPECT_GE(step * moved, room / 2) << "clip " << n;
      EXPECT_LE(step * moved, room) << "clip " << n;
      for (int t = 1; t < frames; ++t) {
        const double even = double(moved) * t / (frames - 1);
        EXPECT_LE(std::abs(at[t] - at[0] - even), 0.5 + 1e-9) << "clip " << n << " frame " << t;
      }
    }
  }
  for (int k = 0; k < 8; ++k) EXPECT_GT(seen[k], 0) << "direction " << k << " never drawn in 40 clips";
}

TEST_F(C3dClips, TheSeedDecidesEveryByte) {
  std::string output;
  ASSERT_EQ(Generate(Path("a"), 12, 3, "--size=32", &output), 0) << output;
  ASSERT_EQ(Generate(Path("b"), 12, 3, "--size=32", &output), 0) << output;
  ASSERT_EQ(Generate(Path("c"), 12, 4, "--size=32", &output), 0) << output;
  const auto a = ReadAll(Path("a")), b = ReadAll(Path("b")), c = ReadAll(Path("c"));
  ASSERT_EQ(a.size(), 12u);
  bool differs = false;
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].second.SerializeAsString(), b[i].second.SerializeAsString()) << i;
    differs |= a[i].second.SerializeAsString() != c[i].second.SerializeAsString();
  }
  EXPECT_TRUE(differs);
}

TEST_F(C3dClips, BadArgumentsAreOneLineErrors) {
  std::string output;
  EXPECT_EQ(Generate(Path("x"), 0, 1, "", &output), 1);
  EXPECT_NE(output.find("make_c3d_clips: error: COUNT must be"), std::string::npos) << output;
  EXPECT_EQ(std::count(output.begin(), output.end(), '\n'), 1) << output;
  EXPECT_EQ(Generate(Path("x"), 2, 1, "--size=20", &output), 1);
  EXPECT_NE(output.find("--size must be"), std::string::npos) << output;
  EXPECT_EQ(RunCommand(Generator() + " " + Path("none.idx") + " " + Path("x") + " 2 1", &output), 1);
  EXPECT_NE(output.find(Path("none.idx")), std::string::npos) << output;
  EXPECT_FALSE(PathExists(Path("x")));
}

std::string Replace(std::string text, const std::string& from, const std::string& to) {
  const size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

TEST_F(C3dClips, ModelTrainsAFewIterationsAndDeployTakesItsWeights) {
  std::string output;
  ASSERT_EQ(Generate(Path("train"), 16, 1, "", &output), 0) << output;
  ASSERT_EQ(Generate(Path("test"), 8, 2, "", &output), 0) << output;
  std::string net = ReadBytes(SourcePath("models/c3d_clips/train_val.prototxt"));
  net = Replace(net, "data/c3d_clips/c3d_clips_train_lmdb", Path("train"));
  net = Replace(net, "data/c3d_clips/c3d_clips_test_lmdb", Path("test"));
  net = Replace(net, "batch_size: 32", "batch_size: 4");
  net = Replace(net, "batch_size: 50", "batch_size: 4");
  std::ofstream(Path("net.prototxt")) << net;
  std::string solver = ReadBytes(SourcePath("models/c3d_clips/solver.prototxt"));
  solver = Replace(solver, "net: \"models/c3d_clips/train_val.prototxt\"", "net: \"" + Path("net.prototxt") + "\"");
  solver = Replace(solver, "test_iter: 20", "test_iter: 2");
  solver = Replace(solver, "test_interval: 500", "test_interval: 3");
  solver = Replace(solver, "display: 50", "display: 1");
  solver = Replace(solver, "max_iter: 1500", "max_iter: 3");
  solver = Replace(solver, "snapshot: 1500", "snapshot: 3");
  solver = Replace(solver, "models/c3d_clips/snapshots/c3d_clips", Path("snap"));
  std::ofstream(Path("solver.prototxt")) << solver;

  const ToolResult r = Cnn("train --solver=" + Path("solver.prototxt"));
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("Iteration 3, loss = "), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("accuracy = "), std::string::npos) << r.output;

  Net deploy(ReadNetParamsFromTextFile(SourcePath("models/c3d_clips/deploy.prototxt")));
  deploy.CopyTrainedLayersFromFile(Path("snap_iter_3.caffemodel"));
  EXPECT_TRUE(deploy.LayersWithoutTrainedWeights().empty());
  deploy.Forward();
  const Blob& prob = *deploy.blob_by_name("prob");
  ASSERT_EQ(prob.shape(), (std::vector<int>{1, 8}));
  float sum = 0;
  for (int k = 0; k < 8; ++k) sum += prob.cpu_data()[k];
  EXPECT_NEAR(sum, 1.f, 1e-5);
}

}  // namespace
}  // namespace test
}  // namespace cnn
