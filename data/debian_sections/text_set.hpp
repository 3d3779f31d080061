// The text side of the data set: words, the split rule, the vocabulary and
// the fixed-length id sequences the nets read.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace debian_sections {

// Lowercased words: maximal runs of ASCII letters and digits and of bytes
// >= 0x80 (so a UTF-8 word stays one word); everything else separates.
std::vector<std::string> Tokenise(const std::string& text);

// FNV-1a, 64 bits: defined byte by byte, so the split is the same on every
// machine and compiler (std::hash is not).
uint64_t Fnv1a(const std::string& s);

enum class Split { kTrain, kVal, kTest };

// With h = Fnv1a(source package) % 100: test when h < test_percent, validation
// when h < test_percent + val_percent, train otherwise. The binary packages of
// one source, whose descriptions are often near copies of each other, all land
// on the same side, and a larger validation share never moves a test record.
Split SplitOf(const std::string& source, int test_percent, int val_percent);

constexpr int kPadId = 0;
constexpr int kUnkId = 1;

class Vocabulary {
 public:
  // Words seen at least min_count times, the most frequent first (ties in
  // byte order), after PAD (id 0) and UNK (id 1), at most max_size ids in all.
  static Vocabulary Build(const std::vector<std::vector<std::string>>& texts, int min_count, int max_size);

  int size() const { return static_cast<int>(words_.size()); }
  int Id(const std::string& word) const;
  const std::string& word(int id) const { return words_[id]; }
  int64_t count(int id) const { return counts_[id]; }
  // The first `length` words' ids, then PAD up to `length`.
  std::vector<int> Encode(const std::vector<std::string>& words, int length) const;

 private:
  std::vector<std::string> words_;
  std::vector<int64_t> counts_;
  std::unordered_map<std::string, int> ids_;
};

}  // namespace debian_sections
