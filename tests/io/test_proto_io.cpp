#include "cnn/io/proto_io.hpp"

#include <google/protobuf/text_format.h>
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "cnn/core/common.hpp"
#include "support/test_support.hpp"

namespace cnn {
namespace {

namespace fs = std::filesystem;
using google::protobuf::util::MessageDifferencer;

void WriteFile(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out << bytes;
  ASSERT_TRUE(out.good()) << path;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<std::string> ListDir(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir)) names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

using test::ErrorOf;

// A fresh directory, removed with everything in it at the end of the test.
struct ScratchDir {
  std::string path = test::MakeTempDir();
  ~ScratchDir() {
    std::error_code ignored;
    fs::remove_all(path, ignored);
  }
};

bool StartsWith(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

// A small net with one weight blob of `weights` floats.
NetParameter MakeNet(const std::string& name, int weights) {
  NetParameter net;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(R"(
      layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 2 dim: 3 } } }
      layer { name: "ip" type: "InnerProduct" bottom: "data" top: "ip"
              param { lr_mult: 1 } inner_product_param { num_output: 4 bias_term: false } })",
                                                            &net));
  net.set_name(name);
  BlobProto* blob = net.mutable_layer(1)->add_blobs();
  blob->mutable_shape()->add_dim(weights);
  for (int i = 0; i < weights; ++i) blob->add_data(0.25f * static_cast<float>(i) - 3.f);
  return net;
}

TEST(ProtoIO, TextSyntaxErrorNamesFileLineAndColumn) {
  ScratchDir scratch;
  const std::string path = scratch.path + "/bad.prototxt";
  WriteFile(path,
            "name: \"net\"\n"
            "layer {\n"
            "  name: \"relu\"\n"
            "  type: \"ReLU\"\n"
            "  bottom \"x\"\n"
            "}\n");
  NetParameter net;
  const std::string msg = ErrorOf([&] { ReadProtoFromTextFile(path, &net); });
  // Line 5; the offending token "x" starts in column 10 (1-based).
  EXPECT_TRUE(StartsWith(msg, path + ":5:10: ")) << msg;
  EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
}

TEST(ProtoIO, UnknownFieldIsNamed) {
  ScratchDir scratch;
  const std::string path = scratch.path + "/unknown.prototxt";
  WriteFile(path,
            "name: \"net\"\n"
            "layer { name: \"a\" type: \"ReLU\" }\n"
            "layer {\n"
            "  name: \"b\"\n"
            "  kernal_size: 3\n"
            "}\n");
  NetParameter net;
  const std::string msg = ErrorOf([&] { ReadProtoFromTextFile(path, &net); });
  EXPECT_TRUE(StartsWith(msg, path + ":5:3: ")) << msg;
  EXPECT_NE(msg.find("kernal_size"), std::string::npos) << msg;
}

// Protobuf reports these where the next token starts, here on the next line;
// the message must still point at the bad value itself.
TEST(ProtoIO, BadEnumValuePointsAtTheValue) {
  ScratchDir scratch;
  const std::string path = scratch.path + "/enum.prototxt";
  WriteFile(path,
            "layer {\n"
            "  name: \"pool\"\n"
            "  pooling_param {\n"
            "    pool: MAXX  # typo\n"
            "  }\n"
            "}\n");
  NetParameter net;
  const std::string msg = ErrorOf([&] { ReadProtoFromTextFile(path, &net); });
  EXPECT_TRUE(StartsWith(msg, path + ":4:11: ")) << msg;
  EXPECT_NE(msg.find("MAXX"), std::string::npos) << msg;
}

// The closest field of the message being parsed, on the same one line.
TEST(ProtoIO, MisspelledFieldsGetTheClosestFieldOfTheirMessage) {
  ScratchDir scratch;
  const std::string path = scratch.path + "/typo.prototxt";
  WriteFile(path,
            "layer {\n"
            "  name: \"conv\" type: \"Convolution\"\n"
            "  convolution_param { num_output: 8 kernal_size: 3 }\n"
            "}\n");
  NetParameter net;
  std::string msg = ErrorOf([&] { ReadProtoFromTextFile(path, &net); });
  EXPECT_EQ(msg, path + ":3:37: Message type \"cnn.ConvolutionParameter\" has no field named \"kernal_size\" "
                        "(did you mean 'kernel_size'?)");
  WriteFile(path, "layer { name: \"ip\" inner_product_param { num_ouput: 10 } }\n");
  msg = ErrorOf([&] { ReadProtoFromTextFile(path, &net); });
  EXPECT_NE(msg.find("has no field named \"num_ouput\" (did you mean 'num_output'?)"), std::string::npos) << msg;
  // Nothing close: protobuf's message alone.
  WriteFile(path, "layer { name: \"ip\" zzzzzzzz: 10 }\n");
  msg = ErrorOf([&] { ReadProtoFromTextFile(path, &net); });
  EXPECT_EQ(msg.find("did you mean"), std::string::npos) << msg;
  EXPECT_NE(msg.find("zzzzzzzz"), std::string::npos) << msg;
  SolverParameter solver;
  WriteFile(path, "base_lrr: 0.1\n");
  msg = ErrorOf([&] { ReadProtoFromTextFile(path, &solver); });
  EXPECT_NE(msg.find("(did you mean 'base_lr'?)"), std::string::npos) << msg;
}

TEST(ProtoIO, MisspelledEnumValuesGetTheClosestValue) {
  ScratchDir scratch;
  const std::string path = scratch.path + "/enum.prototxt";
  WriteFile(path, "layer { name: \"p\" type: \"Pooling\" pooling_param { pool: MAXX } }\n");
  NetParameter net;
  std::string msg = ErrorOf([&] { ReadProtoFromTextFile(path, &net); });
  EXPECT_TRUE(StartsWith(msg, path + ":1:57: ")) << msg;
  EXPECT_NE(msg.find("\"MAXX\" for field \"pool\" (did you mean 'MAX'?)"), std::string::npos) << msg;
  EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
  SolverParameter solver;
  WriteFile(path, "solver_mode: GPUU\n");
  msg = ErrorOf([&] { ReadProtoFromTextFile(path, &solver); });
  EXPECT_NE(msg.find("(did you mean 'GPU'?)"), std::string::npos) << msg;
}

TEST(ProtoIO, UnexpectedEndOfFileIsSaid) {
  ScratchDir scratch;
  const std::string path = scratch.path + "/short.prototxt";
  WriteFile(path, "layer {\n  name: \"a\"\n");
  NetParameter net;
  const std::string msg = ErrorOf([&] { ReadProtoFromTextFile(path, &net); });
  EXPECT_TRUE(StartsWith(msg, path + ":3:1: ")) << msg;
  EXPECT_NE(msg.find("end of file"), std::string::npos) << msg;
}

TEST(ProtoIO, MissingFileSaysCannotOpen) {
  ScratchDir scratch;
  const std::string path = scratch.path + "/does_not_exist.prototxt";
  NetParameter net;
  EXPECT_EQ(ErrorOf([&] { ReadProtoFromTextFile(path, &net); }),
            "cannot open " + path + ": No such file or directory");
  EXPECT_EQ(ErrorOf([&] { ReadProtoFromBinaryFile(path, &net); }),
            "cannot open " + path + ": No such file or directory");
  EXPECT_EQ(ErrorOf([&] { ReadNetParamsFromTextFile(path); }), "cannot open " + path + ": No such file or directory");
}

TEST(ProtoIO, DirectoryIsNotReadable) {
  ScratchDir scratch;
  const std::string& dir = scratch.path;
  NetParameter net;
  EXPECT_EQ(ErrorOf([&] { ReadProtoFromTextFile(dir, &net); }), "cannot read " + dir + ": Is a directory");
}

TEST(ProtoIO, BinaryRoundTripIsExact) {
  ScratchDir scratch;
  const std::string path = scratch.path + "/net.caffemodel";
  const NetParameter written = MakeNet("roundtrip", 24);
  WriteProtoToBinaryFile(written, path);
  NetParameter read;
  ReadProtoFromBinaryFile(path, &read);
  EXPECT_TRUE(MessageDifferencer::Equals(written, read));
  EXPECT_EQ(written.SerializeAsString(), read.SerializeAsString());
  EXPECT_EQ(ReadFile(path), written.SerializeAsString());
}

TEST(ProtoIO, TextRoundTripIsExact) {
  ScratchDir scratch;
  const std::string path = scratch.path + "/net.prototxt";
  const NetParameter written = MakeNet("roundtrip", 5);
  WriteProtoToTextFile(written, path);
  NetParameter read;
  ReadProtoFromTextFile(path, &read);
  EXPECT_TRUE(MessageDifferencer::Equals(written, read));
}

TEST(ProtoIO, TruncatedBinaryIsRejected) {
  ScratchDir scratch;
  const std::string& dir = scratch.path;
  const std::string bytes = MakeNet("big", 1000).SerializeAsString();
  const std::string path = dir + "/cut.caffemodel";
  // The weight blob makes up nearly all of the file, so half the bytes end
  // inside its data.
  WriteFile(path, bytes.substr(0, bytes.size() / 2));
  NetParameter net;
  EXPECT_EQ(ErrorOf([&] { ReadProtoFromBinaryFile(path, &net); }),
            path + ": not a valid binary NetParameter (truncated or corrupt?)");
  EXPECT_EQ(ErrorOf([&] { ReadNetParamsFromBinaryFile(path); }),
            path + ": not a valid binary NetParameter (truncated or corrupt?)");
}

TEST(ProtoIO, TrailingGarbageIsRejected) {
  ScratchDir scratch;
  const std::string path = scratch.path + "/trailing.caffemodel";
  std::string bytes = MakeNet("net", 4).SerializeAsString();
  bytes.append(std::string("\0\0\0\0", 4));
  WriteFile(path, bytes);
  NetParameter net;
  EXPECT_EQ(ErrorOf([&] { ReadProtoFromBinaryFile(path, &net); }),
            path + ": not a valid binary NetParameter (truncated or corrupt?)");
}

TEST(ProtoIO, TextFileFedToBinaryReaderIsRejected) {
  ScratchDir scratch;
  const std::string& dir = scratch.path;
  const std::string text_path = dir + "/net.prototxt";
  WriteProtoToTextFile(MakeNet("text", 6), text_path);
  const std::string path = dir + "/net.caffemodel";
  WriteFile(path, ReadFile(text_path));
  NetParameter net;
  EXPECT_EQ(ErrorOf([&] { ReadProtoFromBinaryFile(path, &net); }),
            path + ": not a valid binary NetParameter (truncated or corrupt?)");
}

TEST(ProtoIO, EmptyBinaryFileIsRejected) {
  ScratchDir scratch;
  const std::string path = scratch.path + "/empty.caffemodel";
  WriteFile(path, "");
  NetParameter net;
  EXPECT_EQ(ErrorOf([&] { ReadProtoFromBinaryFile(path, &net); }),
            path + ": empty file, not a valid binary NetParameter");
}

TEST(ProtoIO, WeightsReaderTakesTextForPrototxtNames) {
  ScratchDir scratch;
  const std::string& dir = scratch.path;
  const NetParameter written = MakeNet("weights", 3);
  WriteProtoToTextFile(written, dir + "/w.prototxt");
  WriteProtoToTextFile(written, dir + "/w.pbtxt");
  WriteProtoToBinaryFile(written, dir + "/w.caffemodel");
  EXPECT_TRUE(MessageDifferencer::Equals(written, ReadNetParamsFromBinaryFile(dir + "/w.prototxt")));
  EXPECT_TRUE(MessageDifferencer::Equals(written, ReadNetParamsFromBinaryFile(dir + "/w.pbtxt")));
  EXPECT_TRUE(MessageDifferencer::Equals(written, ReadNetParamsFromBinaryFile(dir + "/w.caffemodel")));
}

TEST(ProtoIO, WriteIntoUnwritableDirectoryThrowsAndLeavesNoTempFile) {
  ScratchDir scratch;
  const std::string& dir = scratch.path;
  // A path "under" a regular file cannot be created, even by root.
  const std::string blocker = dir + "/plain_file";
  WriteFile(blocker, "x");
  const std::string path = blocker + "/x.caffemodel";
  const NetParameter net = MakeNet("net", 3);
  EXPECT_EQ(ErrorOf([&] { WriteProtoToBinaryFile(net, path); }), "cannot write " + path + ": Not a directory");
  EXPECT_EQ(ErrorOf([&] { WriteProtoToTextFile(net, path); }), "cannot write " + path + ": Not a directory");
  EXPECT_EQ(ListDir(dir), std::vector<std::string>{"plain_file"});
  EXPECT_EQ(ReadFile(blocker), "x");
}

TEST(ProtoIO, OverwriteReplacesExistingFile) {
  ScratchDir scratch;
  const std::string& dir = scratch.path;
  const std::string path = dir + "/model.caffemodel";
  WriteProtoToBinaryFile(MakeNet("first", 500), path);
  const NetParameter second = MakeNet("second", 7);
  WriteProtoToBinaryFile(second, path);
  NetParameter read;
  ReadProtoFromBinaryFile(path, &read);
  EXPECT_TRUE(MessageDifferencer::Equals(second, read));
  EXPECT_EQ(ListDir(dir), std::vector<std::string>{"model.caffemodel"});

  const std::string text_path = dir + "/model.prototxt";
  WriteProtoToTextFile(MakeNet("first", 500), text_path);
  WriteProtoToTextFile(second, text_path);
  NetParameter text_read;
  ReadProtoFromTextFile(text_path, &text_read);
  EXPECT_TRUE(MessageDifferencer::Equals(second, text_read));
}

// Lowers the file-size limit so that writes fail as on a full disk (EFBIG
// instead of ENOSPC), and restores it afterwards.
class FileSizeLimit {
 public:
  explicit FileSizeLimit(rlim_t bytes) {
    getrlimit(RLIMIT_FSIZE, &saved_);
    old_handler_ = signal(SIGXFSZ, SIG_IGN);  // fail the write instead of killing the process
    rlimit lowered = saved_;
    lowered.rlim_cur = bytes;
    ok_ = setrlimit(RLIMIT_FSIZE, &lowered) == 0;
  }
  ~FileSizeLimit() {
    setrlimit(RLIMIT_FSIZE, &saved_);
    signal(SIGXFSZ, old_handler_);
  }
  bool ok() const { return ok_; }

 private:
  rlimit saved_{};
  sighandler_t old_handler_;
  bool ok_ = false;
};

TEST(ProtoIO, FailedWriteKeepsOldFileAndRemovesTempFile) {
  ScratchDir scratch;
  const std::string& dir = scratch.path;
  const std::string path = dir + "/model.caffemodel";
  const NetParameter old_net = MakeNet("old", 10);
  WriteProtoToBinaryFile(old_net, path);
  const std::string old_bytes = ReadFile(path);
  const NetParameter big = MakeNet("big", 20000);  // ~80 KB
  std::string msg;
  {
    FileSizeLimit limit(16 * 1024);
    ASSERT_TRUE(limit.ok());
    msg = ErrorOf([&] { WriteProtoToBinaryFile(big, path); });
  }
  EXPECT_EQ(msg, "cannot write " + path + ": File too large");
  EXPECT_EQ(ReadFile(path), old_bytes);
  EXPECT_EQ(ListDir(dir), std::vector<std::string>{"model.caffemodel"});
}

}  // namespace
}  // namespace cnn
