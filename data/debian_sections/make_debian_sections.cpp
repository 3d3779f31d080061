// make_debian_sections OUT_DIR PACKAGES... [--sections=a,b,...] [--length=L]
//     [--min_count=N] [--max_vocab=V] [--test_percent=P] [--val_percent=Q]
//     [--backend=lmdb|leveldb]
//
// Builds a text classification set from Debian package lists (apt's Packages
// files, or dpkg's status file; uncompressed deb822): each package's short
// description is the text, its Section the class. Writes into OUT_DIR
//
//   debian_sections_train_lmdb, debian_sections_val_lmdb,
//   debian_sections_test_lmdb   (or _leveldb; no val set with --val_percent=0)
//       Datum records 1 x 1 x L of token ids in float_data, label = the
//       section's index in --sections, keyed 00000000, 00000001, ...
//   vocab.txt    line i: the word of id i and its count in the train split
//   labels.txt   line k: k and the section name
//
// Rules (see README.md beside this file): the first paragraph of a package
// name wins (so list the main archive before updates, or the other way
// round, as wanted); the split hashes the source package name; a split keeps
// one copy of a (words, section) pair; a validation or test text whose words
// also occur in the train split is dropped; the vocabulary comes from the
// train split only.
// Everything is read and checked before anything is written.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <unordered_set>
#include <vector>

#include "cnn/cnn.pb.h"
#include "cnn/core/common.hpp"
#include "cnn/data/datum_writer.hpp"
#include "deb822.hpp"
#include "text_set.hpp"

namespace debian_sections {
namespace {

// Topics rather than programming languages: the language sections (python,
// perl, rust, ...) are named in nearly every description they hold.
const char* const kDefaultSections = "admin,devel,doc,fonts,games,graphics,libs,net,science,sound,text,utils";

struct Options {
  std::string out_dir;
  std::vector<std::string> inputs;
  std::vector<std::string> sections;
  int length = 16;
  int min_count = 2;
  int max_vocab = 16384;
  int test_percent = 20;
  // Picked from the sources outside test, so that choosing epochs or
  // hyper-parameters never looks at the test set.
  int val_percent = 10;
  std::string backend = "lmdb";
};

struct Record {
  std::string package;
  int label = 0;
  std::vector<std::string> words;
};

int ParseInt(const std::string& text, const std::string& what, int lo, int hi) {
  char* end = nullptr;
  const long v = std::strtol(text.c_str(), &end, 10);
  CNN_CHECK(!text.empty() && *end == '\0' && v >= lo && v <= hi,
            what << " must be a whole number in [" << lo << ", " << hi << "], got '" << text << "'");
  return static_cast<int>(v);
}

std::vector<std::string> SplitCommas(const std::string& text) {
  std::vector<std::string> parts;
  std::stringstream s(text);
  std::string part;
  while (std::getline(s, part, ',')) parts.push_back(part);
  return parts;
}

Options ParseArgs(int argc, char** argv) {
  Options o;
  std::string sections = kDefaultSections;
  std::vector<std::string> positional;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&](const char* flag) -> const char* {
      const size_t n = std::char_traits<char>::length(flag);
      return a.compare(0, n, flag) == 0 ? a.c_str() + n : nullptr;
    };
    if (const char* v = value("--sections=")) {
      sections = v;
    } else if (const char* v = value("--length=")) {
      o.length = ParseInt(v, "--length", 1, 4096);
    } else if (const char* v = value("--min_count=")) {
      o.min_count = ParseInt(v, "--min_count", 1, 1 << 30);
    } else if (const char* v = value("--max_vocab=")) {
      o.max_vocab = ParseInt(v, "--max_vocab", 3, 1 << 24);  // ids stay exact in float_data
    } else if (const char* v = value("--test_percent=")) {
      o.test_percent = ParseInt(v, "--test_percent", 1, 99);
    } else if (const char* v = value("--val_percent=")) {
      o.val_percent = ParseInt(v, "--val_percent", 0, 98);
    } else if (const char* v = value("--backend=")) {
      o.backend = v;
    } else {
      CNN_CHECK(a.rfind("--", 0) != 0, "unknown flag '" << a << "' (known: --sections, --length, --min_count, "
                                                              "--max_vocab, --test_percent, --val_percent, "
                                                              "--backend)");
      positional.push_back(a);
    }
  }
  CNN_CHECK(positional.size() >= 2, "make_debian_sections takes OUT_DIR PACKAGES... [--sections=a,b,...] "
                                    "[--length=L] [--min_count=N] [--max_vocab=V] [--test_percent=P] "
                                    "[--val_percent=Q] [--backend=lmdb|leveldb], got "
                                    << positional.size() << " argument(s)");
  CNN_CHECK(o.test_percent + o.val_percent <= 99, "--test_percent (" << o.test_percent << ") and --val_percent ("
                                                      << o.val_percent << ") leave no train split: their sum must "
                                                      << "be at most 99");
  CNN_CHECK(o.backend == "lmdb" || o.backend == "leveldb", "--backend must be lmdb or leveldb, got '" << o.backend << "'");
  o.out_dir = positional[0];
  o.inputs.assign(positional.begin() + 1, positional.end());
  o.sections = SplitCommas(sections);
  CNN_CHECK(o.sections.size() >= 2, "--sections needs at least two sections, got '" << sections << "'");
  std::set<std::string> seen;
  for (const auto& s : o.sections) {
    CNN_CHECK(!s.empty() && s.find('/') == std::string::npos,
              "--sections: '" << sections << "' holds an empty name or one with '/' (give sections without component)");
    CNN_CHECK(seen.insert(s).second, "--sections names '" << s << "' twice");
  }
  return o;
}

std::string Joined(const std::vector<std::string>& words) {
  std::string s;
  for (const auto& w : words) (s += w) += ' ';
  return s;
}

// "contrib/games" -> "games": the class is the topic, whatever the component.
std::string SectionName(const std::string& section) {
  const size_t slash = section.rfind('/');
  return slash == std::string::npos ? section : section.substr(slash + 1);
}

struct Counts {
  int other_section = 0, no_description = 0, no_words = 0, repeated_package = 0;
  int duplicates = 0, test_seen_in_train = 0, val_seen_in_train = 0;
};

void WriteSplit(const Options& o, const std::string& split, const std::vector<Record>& records, const Vocabulary& vocab) {
  cnn::DatumWriter writer(o.backend, o.out_dir + "/debian_sections_" + split + "_" + o.backend);
  cnn::Datum datum;
  datum.set_channels(1);
  datum.set_height(1);
  datum.set_width(o.length);
  for (size_t n = 0; n < records.size(); ++n) {
    datum.clear_float_data();
    for (int id : vocab.Encode(records[n].words, o.length)) datum.add_float_data(static_cast<float>(id));
    datum.set_label(records[n].label);
    char key[24];
    std::snprintf(key, sizeof key, "%08zu", n);
    writer.Put(key, datum);
  }
  writer.Finish();
}

void WriteText(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  out.close();
  CNN_CHECK(out, "cannot write '" << path << "'");
}

std::string PerSection(const Options& o, const std::vector<Record>& records) {
  std::vector<int> n(o.sections.size(), 0);
  for (const auto& r : records) ++n[r.label];
  std::ostringstream s;
  for (size_t k = 0; k < n.size(); ++k) s << (k ? ", " : "") << o.sections[k] << " " << n[k];
  return s.str();
}

int Main(int argc, char** argv) {
  const Options o = ParseArgs(argc, argv);
  std::map<std::string, int> label_of;
  for (size_t k = 0; k < o.sections.size(); ++k) label_of[o.sections[k]] = static_cast<int>(k);

  Counts counts;
  std::vector<Record> train, val, test;
  std::unordered_set<std::string> packages;
  for (const auto& path : o.inputs) {
    for (const Paragraph& p : ReadParagraphs(path)) {
      const std::string* package = p.Find("Package");
      CNN_CHECK(package && !package->empty(),
                "'" << path << "' line " << p.line << ": a paragraph without a Package field");
      if (!packages.insert(*package).second) {
        ++counts.repeated_package;
        continue;
      }
      const std::string* section = p.Find("Section");
      auto label = section ? label_of.find(SectionName(*section)) : label_of.end();
      if (label == label_of.end()) {
        ++counts.other_section;
        continue;
      }
      const std::string* description = p.Find("Description");
      if (!description) {
        ++counts.no_description;
        continue;
      }
      Record r{*package, label->second, Tokenise(*description)};
      if (r.words.empty()) {
        ++counts.no_words;
        continue;
      }
      // "Source: name (version)" names the source; without it, the package is its own source.
      const std::string* source_field = p.Find("Source");
      const std::string source = source_field ? source_field->substr(0, source_field->find(' ')) : *package;
      const Split split = SplitOf(source, o.test_percent, o.val_percent);
      (split == Split::kTest ? test : split == Split::kVal ? val : train).push_back(std::move(r));
    }
  }

  auto dedupe = [&](std::vector<Record>* records) {
    std::unordered_set<std::string> seen;
    std::vector<Record> kept;
    for (auto& r : *records) {
      if (seen.insert(std::to_string(r.label) + ":" + Joined(r.words)).second) {
        kept.push_back(std::move(r));
      } else {
        ++counts.duplicates;
      }
    }
    *records = std::move(kept);
  };
  dedupe(&train);
  dedupe(&val);
  dedupe(&test);
  std::unordered_set<std::string> train_texts;
  for (const auto& r : train) train_texts.insert(Joined(r.words));
  auto drop_seen = [&](std::vector<Record>* records, int* dropped) {
    std::vector<Record> unseen;
    for (auto& r : *records) {
      if (train_texts.count(Joined(r.words))) {
        ++*dropped;
      } else {
        unseen.push_back(std::move(r));
      }
    }
    *records = std::move(unseen);
  };
  drop_seen(&val, &counts.val_seen_in_train);
  drop_seen(&test, &counts.test_seen_in_train);

  std::ostringstream wanted;
  for (size_t k = 0; k < o.sections.size(); ++k) wanted << (k ? "," : "") << o.sections[k];
  CNN_CHECK(!train.empty() && !test.empty(), "no package of the sections " << wanted.str() << " left in the "
                                                 << (train.empty() ? "train" : "test") << " split of the "
                                                 << o.inputs.size() << " file(s) given (" << train.size()
                                                 << " train, " << test.size() << " test records)");
  CNN_CHECK(o.val_percent == 0 || !val.empty(), "no package of the sections " << wanted.str() << " left in the "
                                                    << "validation split (--val_percent=" << o.val_percent
                                                    << "; --val_percent=0 writes none)");

  std::vector<std::vector<std::string>> train_words;
  for (const auto& r : train) train_words.push_back(r.words);
  const Vocabulary vocab = Vocabulary::Build(train_words, o.min_count, o.max_vocab);

  // The Data layer reads in key order: a fixed pseudo-random order (by the
  // package name's hash) keeps each batch a mix of sections.
  auto order = [](std::vector<Record>* records) {
    std::sort(records->begin(), records->end(), [](const Record& a, const Record& b) {
      const uint64_t ha = Fnv1a(a.package), hb = Fnv1a(b.package);
      return ha != hb ? ha < hb : a.package < b.package;
    });
  };
  order(&train);
  order(&val);
  order(&test);

  namespace fs = std::filesystem;
  std::vector<std::string> outputs = {"debian_sections_train_" + o.backend, "debian_sections_test_" + o.backend,
                                      "vocab.txt", "labels.txt"};
  if (o.val_percent > 0) outputs.push_back("debian_sections_val_" + o.backend);
  for (const auto& name : outputs) {
    CNN_CHECK(!fs::exists(o.out_dir + "/" + name), "'" << o.out_dir << "/" << name << "' already exists; remove it first");
  }
  std::error_code ec;
  fs::create_directories(o.out_dir, ec);
  CNN_CHECK(!ec, "cannot create '" << o.out_dir << "': " << ec.message());

  WriteSplit(o, "train", train, vocab);
  try {
    WriteSplit(o, "test", test, vocab);
    if (o.val_percent > 0) WriteSplit(o, "val", val, vocab);
    std::ostringstream words, labels;
    for (int id = 0; id < vocab.size(); ++id) words << vocab.word(id) << '\t' << vocab.count(id) << '\n';
    for (size_t k = 0; k < o.sections.size(); ++k) labels << k << ' ' << o.sections[k] << '\n';
    WriteText(o.out_dir + "/vocab.txt", words.str());
    WriteText(o.out_dir + "/labels.txt", labels.str());
  } catch (...) {
    // Nothing half-way: a failure after the train split removes what was written.
    for (const auto& name : outputs) fs::remove_all(o.out_dir + "/" + name, ec);
    throw;
  }

  int64_t test_tokens = 0, test_unknown = 0, truncated = 0;
  for (const auto& r : test) {
    for (const auto& w : r.words) {
      ++test_tokens;
      test_unknown += vocab.Id(w) == kUnkId;
    }
  }
  for (const auto* split : {&train, &val, &test}) {
    for (const auto& r : *split) truncated += static_cast<int>(r.words.size()) > o.length;
  }
  std::cout << "train: " << train.size() << " records (" << PerSection(o, train) << ")\n"
            << "val: " << val.size() << " records (" << PerSection(o, val) << ")\n"
            << "test: " << test.size() << " records (" << PerSection(o, test) << ")\n"
            << "vocabulary: " << vocab.size() << " ids (0 <pad>, 1 <unk>, words seen >= " << o.min_count
            << " times in train); " << test_unknown << " of " << test_tokens << " test words unknown\n"
            << "left out: " << counts.duplicates << " repeated texts within a split, " << counts.val_seen_in_train
            << " validation and " << counts.test_seen_in_train << " test texts also in train, " << counts.other_section << " packages of other sections, "
            << counts.no_description << " without Description, " << counts.no_words << " without words, "
            << counts.repeated_package << " repeated package names; " << truncated << " texts cut to " << o.length
            << " words" << std::endl;
  return 0;
}

}  // namespace
}  // namespace debian_sections

int main(int argc, char** argv) {
  try {
    return debian_sections::Main(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "make_debian_sections: error: " << e.what() << std::endl;
  }
  return 1;
}
