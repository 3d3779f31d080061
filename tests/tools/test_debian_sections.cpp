// data/debian_sections's converter on small handmade Packages files: the
// split rule, the vocabulary and its ids, padding and truncation, the
// duplicate rules, and one-line errors that leave nothing written.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "cnn/cnn.pb.h"
#include "cnn/data/db.hpp"
#include "support/test_support.hpp"

namespace cnn {
namespace test {
namespace {

// Built beside the tool: <build>/data/debian_sections/make_debian_sections.
std::string Converter() {
  const std::filesystem::path tool(ToolPath());
  return (tool.parent_path().parent_path() / "data" / "debian_sections" / "make_debian_sections").string();
}

std::string ReadBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// The documented split rule, written out again here so the test checks it.
uint64_t Fnv1a(const std::string& s) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : s) h = (h ^ c) * 0x100000001b3ull;
  return h;
}
bool OnTestSide(const std::string& name) { return Fnv1a(name) % 100 < 50; }  // --test_percent=50 --val_percent=0

// The i-th name "<stem>N" that lands on the asked side.
std::string NameOnSide(const std::string& stem, bool test_side, int i) {
  for (int n = 0;; ++n) {
    const std::string name = stem + std::to_string(n);
    if (OnTestSide(name) == test_side && i-- == 0) return name;
  }
}

struct Record {
  std::string key;
  Datum datum;
};

std::vector<Record> ReadAll(const std::string& path) {
  std::vector<Record> records;
  auto db = OpenDB("lmdb", path, DB::READ);
  for (auto cursor = db->NewCursor(); cursor->Valid(); cursor->Next()) {
    Record r{cursor->key(), Datum()};
    EXPECT_TRUE(r.datum.ParseFromString(cursor->value()));
    records.push_back(r);
  }
  return records;
}

std::vector<float> Ids(const Datum& d) { return std::vector<float>(d.float_data().begin(), d.float_data().end()); }

class DebianSections : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = MakeTempDir(); }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string Path(const std::string& name) const { return dir_ + "/" + name; }
  int Convert(const std::string& args, std::string* output) {
    return RunCommand(Converter() + " " + args, output);
  }
  std::string dir_;
};

TEST_F(DebianSections, KnownVocabularyIdsAndSplit) {
  // Package names on the train side (they are their own source) unless a
  // Source field names one; "seven" and "eight" come from test-side sources.
  const std::string tr = NameOnSide("src", false, 0), te = NameOnSide("src", true, 0);
  const std::string one = NameOnSide("one", false, 0), two = NameOnSide("two", false, 0);
  std::ofstream(Path("Packages")) <<
      "Package: " << one << "\n"
      "Version: 1.0\n"
      "Section: utils\n"
      "Description: Fast file tool, for FILES\n"
      " A long description with words never counted.\n"
      " .\n"
      " more words.\n"
      "\n"
      "Package: " << two << "\n"
      "Section: libs\n"
      "Description: File library for tool users\n"
      "\n\n"
      "Package: three\n"
      "Source: " << tr << " (2.0-1)\n"
      "Section: contrib/utils\n"
      "Description: file tool\n"
      "\n"
      "Package: four\n"
      "Source: " << tr << "\n"
      "Section: libs\n"
      "Description: file tool\n"
      "\n"
      "Package: five\n"  // the same words and section as three: a repeat
      "Source: " << tr << "\n"
      "Section: utils\n"
      "Description: File... tool!\n"
      "\n"
      "Package: six\n"
      "Section: games\n"
      "Description: file tool game\n"
      "\n"
      "Package: seven\n"
      "Source: " << te << "\n"
      "Section: utils\n"
      "Description: tool for users\n"
      "\n"
      "Package: eight\n"  // its words are a train text: left out of test
      "Source: " << te << "\n"
      "Section: libs\n"
      "Description: FILE TOOL\n"
      "\n"
      "Package: " << one << "\n"  // a later paragraph of a known package: ignored
      "Section: libs\n"
      "Description: file file file\n";
  std::string output;
  ASSERT_EQ(Convert(Path("out") + " " + Path("Packages") + " --sections=utils,libs --length=4 --test_percent=50 --val_percent=0",
                    &output), 0) << output;
  // file and tool 4 times each (byte order breaks the tie), for twice; the
  // words seen once (fast, files, library, users) are unknown.
  EXPECT_EQ(ReadBytes(Path("out/vocab.txt")), "<pad>\t0\n<unk>\t0\nfile\t4\ntool\t4\nfor\t2\n");
  EXPECT_EQ(ReadBytes(Path("out/labels.txt")), "0 utils\n1 libs\n");
  const std::vector<std::pair<std::string, std::pair<int, std::vector<float>>>> want_train = {
      {one, {0, {1, 2, 3, 4}}},    // fast file tool for | files (cut)
      {two, {1, {2, 1, 4, 3}}},    // file library for tool | users (cut)
      {"three", {0, {2, 3, 0, 0}}},
      {"four", {1, {2, 3, 0, 0}}},  // the same words as three, another section: kept
  };
  // Records come in the order of their package name's hash.
  auto expected = want_train;
  std::sort(expected.begin(), expected.end(), [](const auto& a, const auto& b) { return Fnv1a(a.first) < Fnv1a(b.first); });
  const auto train = ReadAll(Path("out/debian_sections_train_lmdb"));
  ASSERT_EQ(train.size(), expected.size());
  for (size_t n = 0; n < train.size(); ++n) {
    EXPECT_EQ(train[n].key, "0000000" + std::to_string(n));
    const Datum& d = train[n].datum;
    EXPECT_EQ(d.channels(), 1);
    EXPECT_EQ(d.height(), 1);
    EXPECT_EQ(d.width(), 4);
    EXPECT_TRUE(d.data().empty());
    EXPECT_EQ(d.label(), expected[n].second.first) << expected[n].first;
    EXPECT_EQ(Ids(d), expected[n].second.second) << expected[n].first;
  }
  const auto test = ReadAll(Path("out/debian_sections_test_lmdb"));
  ASSERT_EQ(test.size(), 1u);
  EXPECT_EQ(test[0].datum.label(), 0);
  EXPECT_EQ(Ids(test[0].datum), (std::vector<float>{3, 4, 1, 0}));  // tool for users(unknown) pad
  EXPECT_NE(output.find("train: 4 records (utils 2, libs 2)"), std::string::npos) << output;
  EXPECT_NE(output.find("test: 1 records (utils 1, libs 0)"), std::string::npos) << output;
  EXPECT_NE(output.find("1 of 3 test words unknown"), std::string::npos) << output;
  EXPECT_NE(output.find("1 repeated texts within a split, 0 validation and 1 test texts also in train, 1 packages of other "
                        "sections"), std::string::npos) << output;
  EXPECT_NE(output.find("1 repeated package names; 2 texts cut to 4 words"), std::string::npos) << output;
}

TEST_F(DebianSections, MinCountAndMaxVocabBoundTheVocabulary) {
  std::ofstream packages(Path("Packages"));
  // Train-side names; counts: a 3, b 2, c 1; one test record to make a test split.
  const char* texts[] = {"a b c", "a b", "a"};
  for (int i = 0; i < 3; ++i) {
    packages << "Package: " << NameOnSide("p", false, i) << "\nSection: utils\nDescription: " << texts[i] << "\n\n";
  }
  packages << "Package: " << NameOnSide("q", true, 0) << "\nSection: libs\nDescription: c b a\n";
  packages.close();
  std::string output;
  ASSERT_EQ(Convert(Path("o1") + " " + Path("Packages") + " --sections=utils,libs --test_percent=50 --val_percent=0 --min_count=1",
                    &output), 0) << output;
  EXPECT_EQ(ReadBytes(Path("o1/vocab.txt")), "<pad>\t0\n<unk>\t0\na\t3\nb\t2\nc\t1\n");
  ASSERT_EQ(Convert(Path("o2") + " " + Path("Packages") + " --sections=utils,libs --test_percent=50 --val_percent=0 --max_vocab=3",
                    &output), 0) << output;
  EXPECT_EQ(ReadBytes(Path("o2/vocab.txt")), "<pad>\t0\n<unk>\t0\na\t3\n");
  const auto test = ReadAll(Path("o2/debian_sections_test_lmdb"));
  ASSERT_EQ(test.size(), 1u);
  EXPECT_EQ(test[0].datum.width(), 16);  // the default length
  std::vector<float> want(16, 0.f);
  want[0] = 1, want[1] = 1, want[2] = 2;  // c, b unknown; a
  EXPECT_EQ(Ids(test[0].datum), want);
}

TEST_F(DebianSections, ValidationSplitComesFromTheSourcesOutsideTest) {
  // --test_percent=30 --val_percent=30: h < 30 test, h < 60 validation, else train.
  auto side = [](const std::string& name) {
    const uint64_t h = Fnv1a(name) % 100;
    return h < 30 ? 2 : h < 60 ? 1 : 0;
  };
  auto named = [&](const std::string& stem, int want, int i) {
    for (int n = 0;; ++n) {
      const std::string name = stem + std::to_string(n);
      if (side(name) == want && i-- == 0) return name;
    }
  };
  std::ofstream(Path("Packages")) <<
      "Package: " << named("t", 0, 0) << "\nSection: utils\nDescription: alpha beta\n\n"
      "Package: " << named("t", 0, 1) << "\nSection: libs\nDescription: gamma beta\n\n"
      "Package: " << named("v", 1, 0) << "\nSection: libs\nDescription: gamma delta\n\n"
      "Package: " << named("v", 1, 1) << "\nSection: utils\nDescription: alpha beta\n\n"  // a train text: dropped
      "Package: " << named("s", 2, 0) << "\nSection: utils\nDescription: alpha\n";
  std::string output;
  ASSERT_EQ(Convert(Path("out") + " " + Path("Packages") + " --sections=utils,libs --test_percent=30 --val_percent=30 "
                    "--min_count=1", &output), 0) << output;
  const auto train = ReadAll(Path("out/debian_sections_train_lmdb"));
  const auto val = ReadAll(Path("out/debian_sections_val_lmdb"));
  const auto test = ReadAll(Path("out/debian_sections_test_lmdb"));
  ASSERT_EQ(train.size(), 2u);
  ASSERT_EQ(val.size(), 1u);
  ASSERT_EQ(test.size(), 1u);
  // The vocabulary is the train split's: delta (validation only) is unknown.
  EXPECT_EQ(ReadBytes(Path("out/vocab.txt")), "<pad>\t0\n<unk>\t0\nbeta\t2\nalpha\t1\ngamma\t1\n");
  EXPECT_EQ(val[0].datum.label(), 1);
  EXPECT_EQ(Ids(val[0].datum)[0], 4.f);  // gamma
  EXPECT_EQ(Ids(val[0].datum)[1], 1.f);  // delta: <unk>
  EXPECT_EQ(test[0].datum.label(), 0);
  EXPECT_NE(output.find("val: 1 records (utils 0, libs 1)"), std::string::npos) << output;
  EXPECT_NE(output.find("1 validation and 0 test texts also in train"), std::string::npos) << output;

  // --val_percent=0 writes no validation set; the test side does not move.
  ASSERT_EQ(Convert(Path("o0") + " " + Path("Packages") + " --sections=utils,libs --test_percent=30 --val_percent=0",
                    &output), 0) << output;
  EXPECT_FALSE(PathExists(Path("o0/debian_sections_val_lmdb")));
  EXPECT_EQ(ReadAll(Path("o0/debian_sections_test_lmdb")).size(), 1u);
  EXPECT_EQ(ReadAll(Path("o0/debian_sections_train_lmdb")).size(), 3u);

  // Shares that leave no train split, and an empty validation split, are refused.
  EXPECT_EQ(Convert(Path("o1") + " " + Path("Packages") + " --sections=utils,libs --test_percent=50 --val_percent=50",
                    &output), 1);
  EXPECT_NE(output.find("their sum must be at most 99"), std::string::npos) << output;
  std::ofstream(Path("Packages")) <<
      "Package: " << named("t", 0, 0) << "\nSection: utils\nDescription: alpha beta\n\n"
      "Package: " << named("s", 2, 0) << "\nSection: utils\nDescription: alpha\n";
  EXPECT_EQ(Convert(Path("o2") + " " + Path("Packages") + " --sections=utils,libs --test_percent=30 --val_percent=30",
                    &output), 1);
  EXPECT_NE(output.find("left in the validation split"), std::string::npos) << output;
  EXPECT_FALSE(PathExists(Path("o2")));
}

TEST_F(DebianSections, BadInputIsOneLineAndWritesNothing) {
  struct Case {
    std::string packages, flags, expect;
  };
  const std::string good = "Package: " + NameOnSide("p", false, 0) + "\nSection: utils\nDescription: x y\n\n"
                           "Package: " + NameOnSide("p", true, 0) + "\nSection: libs\nDescription: y z\n";
  const std::vector<Case> cases = {
      {"Package: a\nSection utils\n", "", "line 2: expected 'Field: value'"},
      {" Description: x\n", "", "line 1: a continuation line with no field before it"},
      {good + "\nSection: utils\nDescription: q\n", "", "line 9: a paragraph without a Package field"},
      {"Package: " + NameOnSide("p", false, 0) + "\nSection: utils\nDescription: x\n", "",
       "no package of the sections utils,libs left in the test split"},
      {good, "--lenght=3", "unknown flag '--lenght=3'"},
      {good, "--length=0", "--length must be a whole number in [1, 4096]"},
      {good, "--sections=utils,utils", "--sections names 'utils' twice"},
      {good, "--sections=main/utils,libs", "give sections without component"},
  };
  for (const auto& c : cases) {
    std::ofstream(Path("Packages")) << c.packages;
    std::string flags = c.flags;
    if (flags.find("--sections") == std::string::npos) flags += " --sections=utils,libs";
    std::string output;
    EXPECT_EQ(Convert(Path("out") + " " + Path("Packages") + " --test_percent=50 --val_percent=0 " + flags, &output), 1) << output;
    EXPECT_NE(output.find("make_debian_sections: error: "), std::string::npos) << output;
    EXPECT_NE(output.find(c.expect), std::string::npos) << output;
    EXPECT_EQ(std::count(output.begin(), output.end(), '\n'), 1) << output;
    EXPECT_FALSE(PathExists(Path("out"))) << c.expect;
  }
  std::string output;
  EXPECT_EQ(Convert(Path("out") + " " + Path("none"), &output), 1);
  EXPECT_NE(output.find("cannot read '" + Path("none") + "'"), std::string::npos) << output;
  // An output already there is never added to or replaced.
  std::ofstream(Path("Packages")) << good;
  ASSERT_EQ(Convert(Path("out") + " " + Path("Packages") + " --sections=utils,libs --test_percent=50 --val_percent=0", &output), 0)
      << output;
  const std::string vocab = ReadBytes(Path("out/vocab.txt"));
  EXPECT_EQ(Convert(Path("out") + " " + Path("Packages") + " --sections=utils,libs --test_percent=50 --val_percent=0", &output), 1);
  EXPECT_NE(output.find("debian_sections_train_lmdb' already exists"), std::string::npos) << output;
  EXPECT_EQ(ReadBytes(Path("out/vocab.txt")), vocab);
}

}  // namespace
}  // namespace test
}  // namespace cnn
