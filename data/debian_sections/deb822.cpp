#include "deb822.hpp"

#include <fstream>

#include "cnn/core/common.hpp"

namespace debian_sections {

namespace {

bool IsBlank(char c) { return c == ' ' || c == '\t'; }

std::string Trim(const std::string& s) {
  size_t b = 0;
  size_t e = s.size();
  while (b < e && IsBlank(s[b])) ++b;
  while (e > b && IsBlank(s[e - 1])) --e;
  return s.substr(b, e - b);
}

}  // namespace

std::vector<Paragraph> ReadParagraphs(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  CNN_CHECK(in, "cannot read '" << path << "'");
  std::vector<Paragraph> out;
  Paragraph cur;
  bool in_paragraph = false;
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (Trim(line).empty()) {
      if (in_paragraph) out.push_back(std::move(cur));
      cur = Paragraph();
      in_paragraph = false;
      continue;
    }
    if (IsBlank(line[0])) {
      CNN_CHECK(in_paragraph, "'" << path << "' line " << number << ": a continuation line with no field before it");
      continue;
    }
    const size_t colon = line.find(':');
    const std::string name = colon == std::string::npos ? "" : line.substr(0, colon);
    CNN_CHECK(!name.empty() && name.find_first_of(" \t") == std::string::npos,
              "'" << path << "' line " << number << ": expected 'Field: value', a continuation line or a blank line, got '"
                  << line.substr(0, 60) << "'");
    if (!in_paragraph) cur.line = number;
    in_paragraph = true;
    cur.fields[name] = Trim(line.substr(colon + 1));
  }
  CNN_CHECK(in.eof(), "cannot read '" << path << "' (stopped at line " << number << ")");
  if (in_paragraph) out.push_back(std::move(cur));
  return out;
}

}  // namespace debian_sections
