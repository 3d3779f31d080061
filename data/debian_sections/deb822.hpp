// Reads Debian control-file paragraphs (deb822: the format of apt's Packages
// lists and dpkg's status file) as field -> first-line value maps.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace debian_sections {

struct Paragraph {
  // Field names as written; values with surrounding blanks removed. Only a
  // field's first line is kept: continuation lines (a long description) are
  // absent from apt's Packages lists, so using them would make records from
  // dpkg's status file unlike the rest.
  std::map<std::string, std::string> fields;
  int line = 0;  // where the paragraph starts, for messages

  const std::string* Find(const std::string& name) const {
    auto it = fields.find(name);
    return it == fields.end() ? nullptr : &it->second;
  }
};

// Throws cnn::Error naming the file and line on a line that is neither
// `Field: value`, a continuation (leading blank) after a field, nor blank,
// and on a file that cannot be read.
std::vector<Paragraph> ReadParagraphs(const std::string& path);

}  // namespace debian_sections
