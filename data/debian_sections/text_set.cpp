#include "text_set.hpp"

#include <algorithm>
#include <map>

namespace debian_sections {

namespace {

bool IsWordByte(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c >= 0x80;
}

}  // namespace

std::vector<std::string> Tokenise(const std::string& text) {
  std::vector<std::string> words;
  std::string cur;
  for (unsigned char c : text) {
    if (IsWordByte(c)) {
      cur.push_back(static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c));
    } else if (!cur.empty()) {
      words.push_back(std::move(cur));
      cur.clear();
    }
  }
  if (!cur.empty()) words.push_back(std::move(cur));
  return words;
}

uint64_t Fnv1a(const std::string& s) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  return h;
}

Split SplitOf(const std::string& source, int test_percent, int val_percent) {
  const int h = static_cast<int>(Fnv1a(source) % 100);
  if (h < test_percent) return Split::kTest;
  return h < test_percent + val_percent ? Split::kVal : Split::kTrain;
}

Vocabulary Vocabulary::Build(const std::vector<std::vector<std::string>>& texts, int min_count, int max_size) {
  std::map<std::string, int64_t> counts;
  for (const auto& words : texts) {
    for (const auto& w : words) ++counts[w];
  }
  std::vector<std::pair<std::string, int64_t>> kept;
  for (const auto& [w, n] : counts) {
    if (n >= min_count) kept.emplace_back(w, n);
  }
  // Stable on a byte-ordered list: equal counts keep byte order.
  std::stable_sort(kept.begin(), kept.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  Vocabulary v;
  v.words_ = {"<pad>", "<unk>"};
  v.counts_ = {0, 0};
  for (const auto& [w, n] : kept) {
    if (v.size() >= max_size) break;
    v.ids_[w] = v.size();
    v.words_.push_back(w);
    v.counts_.push_back(n);
  }
  return v;
}

int Vocabulary::Id(const std::string& word) const {
  auto it = ids_.find(word);
  return it == ids_.end() ? kUnkId : it->second;
}

std::vector<int> Vocabulary::Encode(const std::vector<std::string>& words, int length) const {
  std::vector<int> ids(length, kPadId);
  for (int i = 0; i < length && i < static_cast<int>(words.size()); ++i) ids[i] = Id(words[i]);
  return ids;
}

}  // namespace debian_sections
