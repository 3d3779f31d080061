#include "cnn/io/proto_io.hpp"

#include <fcntl.h>
#include <google/protobuf/descriptor.h>
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/io/zero_copy_stream_impl.h>
#include <google/protobuf/text_format.h>
#include <dirent.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "cnn/core/common.hpp"
#include "cnn/core/did_you_mean.hpp"
#include "cnn/io/upgrade_net.hpp"

namespace cnn {
namespace {

using google::protobuf::Message;

class ScopedFd {
 public:
  explicit ScopedFd(int fd) : fd_(fd) {}
  ~ScopedFd() {
    if (fd_ >= 0) ::close(fd_);
  }
  ScopedFd(const ScopedFd&) = delete;
  ScopedFd& operator=(const ScopedFd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

int OpenForReading(const std::string& path) {
  int fd;
  do {
    fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  } while (fd < 0 && errno == EINTR);
  const int err = errno;
  CNN_CHECK(fd >= 0, "cannot open " << path << ": " << std::strerror(err));
  return fd;
}

// A silent sink for the tokenizer that relocates errors: the file already
// failed to parse, and the first error is the one reported.
class NullErrorCollector : public google::protobuf::io::ErrorCollector {
 public:
  void AddError(int, google::protobuf::io::ColumnNumber, const std::string&) override {}
};

// Keeps the first error only: later ones are mostly consequences of it.
class FirstErrorCollector : public google::protobuf::io::ErrorCollector {
 public:
  void AddError(int line, google::protobuf::io::ColumnNumber column, const std::string& message) override {
    if (has_error_) return;
    has_error_ = true;
    line_ = line;
    column_ = column;
    message_ = message;
    for (char& c : message_)
      if (c == '\n' || c == '\r') c = ' ';
    // The tokenizer's text for the end of input is empty.
    if (message_.size() >= 5 && message_.compare(message_.size() - 5, 5, "got: ") == 0) message_ += "end of file";
  }
  void AddWarning(int, google::protobuf::io::ColumnNumber, const std::string&) override {}

  bool has_error() const { return has_error_; }

  // Some errors (unknown field or enum value, bad boolean, repeated singular
  // field) are reported where the token AFTER the culprit starts, which can
  // be lines later. Those messages quote the culprit; when the token before
  // the reported position is that text, point at it instead.
  void PointAtCulprit(const std::string& path) {
    static const char* const kQuoting[] = {"has no field named \"", "Unknown enumeration value of \"",
                                           "Non-repeated field \"", "Value: \""};
    std::string culprit;
    for (const char* prefix : kQuoting) {
      const size_t at = message_.find(prefix);
      if (at == std::string::npos) continue;
      const size_t begin = at + std::strlen(prefix);
      const size_t end = message_.find('"', begin);
      if (end != std::string::npos) culprit = message_.substr(begin, end - begin);
      break;
    }
    if (culprit.empty() || line_ < 0) return;
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return;
    ScopedFd closer(fd);
    google::protobuf::io::FileInputStream input(fd);
    NullErrorCollector ignore;
    google::protobuf::io::Tokenizer tokenizer(&input, &ignore);
    // The same lexical rules TextFormat's parser uses.
    tokenizer.set_comment_style(google::protobuf::io::Tokenizer::SH_COMMENT_STYLE);
    tokenizer.set_allow_f_after_float(true);
    tokenizer.set_require_space_after_number(false);
    tokenizer.set_allow_multiline_strings(true);
    int prev_line = -1, prev_column = -1;
    std::string prev_text;
    while (tokenizer.Next()) {
      const auto& t = tokenizer.current();
      if (t.line > line_ || (t.line == line_ && t.column >= column_)) break;
      prev_line = t.line;
      prev_column = t.column;
      prev_text = t.text;
    }
    if (prev_text == culprit) {
      line_ = prev_line;
      column_ = prev_column;
    }
  }

  // Adds the closest valid name to an unknown field or enum value.
  void SuggestName(const google::protobuf::Descriptor* root) {
    const std::string suggestion = DidYouMeanInProto(message_, root);
    if (suggestion.empty()) return;
    if (!message_.empty() && message_.back() == '.') message_.pop_back();
    message_ += suggestion;
  }

  // "FILE:LINE:COL: message", 1-based like compilers and editors expect.
  std::string Describe(const std::string& path) const {
    std::ostringstream out;
    out << path;
    if (line_ >= 0) out << ":" << line_ + 1 << ":" << column_ + 1;
    out << ": " << message_;
    return out.str();
  }

 private:
  bool has_error_ = false;
  int line_ = -1;
  int column_ = -1;
  std::string message_;
};

// The text between `prefix"` and the next quote in `message`, "" when absent.
std::string Quoted(const std::string& message, const std::string& prefix) {
  const size_t at = message.find(prefix + "\"");
  if (at == std::string::npos) return "";
  const size_t begin = at + prefix.size() + 1;
  const size_t end = message.find('"', begin);
  return end == std::string::npos ? "" : message.substr(begin, end - begin);
}

// Every message type a file of type `root` can contain, `root` included.
std::vector<const google::protobuf::Descriptor*> Reachable(const google::protobuf::Descriptor* root) {
  std::vector<const google::protobuf::Descriptor*> all = {root};
  std::set<const google::protobuf::Descriptor*> seen = {root};
  for (size_t i = 0; i < all.size(); ++i) {
    for (int f = 0; f < all[i]->field_count(); ++f) {
      const google::protobuf::Descriptor* sub = all[i]->field(f)->message_type();
      if (sub != nullptr && seen.insert(sub).second) all.push_back(sub);
    }
  }
  return all;
}

}  // namespace

std::string DidYouMeanInProto(const std::string& message, const google::protobuf::Descriptor* root) {
  // Protobuf's wording: 'Message type "cnn.X" has no field named "y".' and
  // 'Unknown enumeration value of "V" for field "f".' The first names the
  // message, whose fields are the candidates; the second only the field, so
  // the values of every enum field of that name in reach are.
  std::vector<std::string> candidates;
  const std::string field = Quoted(message, "has no field named ");
  if (!field.empty()) {
    const std::string type = Quoted(message, "Message type ");
    const google::protobuf::Descriptor* d = root->file()->pool()->FindMessageTypeByName(type);
    if (d == nullptr) return "";
    for (int f = 0; f < d->field_count(); ++f) candidates.push_back(d->field(f)->name());
    return DidYouMean(field, candidates);
  }
  const std::string value = Quoted(message, "Unknown enumeration value of ");
  const std::string enum_field = Quoted(message, "\" for field ");
  if (value.empty() || enum_field.empty()) return "";
  std::set<const google::protobuf::EnumDescriptor*> enums;
  for (const auto* d : Reachable(root)) {
    const google::protobuf::FieldDescriptor* f = d->FindFieldByName(enum_field);
    if (f != nullptr && f->enum_type() != nullptr && enums.insert(f->enum_type()).second) {
      for (int v = 0; v < f->enum_type()->value_count(); ++v) candidates.push_back(f->enum_type()->value(v)->name());
    }
  }
  return DidYouMean(value, candidates);
}

namespace {

bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Returns 0, or the errno of the first step that failed; the descriptor is
// closed either way.
int WriteSyncClose(int fd, const std::string& bytes) {
  int err = 0;
  const char* p = bytes.data();
  size_t left = bytes.size();
  while (left > 0 && err == 0) {
    const ssize_t n = ::write(fd, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      err = errno;
    } else if (n == 0) {
      err = ENOSPC;  // a regular file accepts nothing only when space ran out
    } else {
      p += n;
      left -= static_cast<size_t>(n);
    }
  }
  if (err == 0 && ::fsync(fd) != 0) err = errno;
  // close() can report a delayed write error (NFS, quotas).
  if (::close(fd) != 0 && err == 0) err = errno;
  return err;
}

}  // namespace

// The old contents of `path` stay intact until the new ones are complete on
// disk; a failure anywhere leaves no temporary file behind.
void WriteFileAtomically(const std::string& path, const std::string& bytes) {
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (fd < 0) {
    const int err = errno;
    CNN_THROW("cannot write " << path << ": " << std::strerror(err));
  }
  int err = WriteSyncClose(fd, bytes);
  if (err == 0 && ::rename(tmp.c_str(), path.c_str()) != 0) err = errno;
  if (err != 0) {
    ::unlink(tmp.c_str());
    CNN_THROW("cannot write " << path << ": " << std::strerror(err));
  }
  // Make the rename itself durable; failing here cannot lose data any more,
  // so it is not an error.
  const size_t slash = path.find_last_of('/');
  const std::string dir = slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
  const int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd >= 0) {
    ::fsync(dir_fd);
    ::close(dir_fd);
  }
}

int RemoveStaleTemporaries(const std::string& prefix) {
  const size_t slash = prefix.find_last_of('/');
  const std::string dir = slash == std::string::npos ? "." : (slash == 0 ? "/" : prefix.substr(0, slash));
  const std::string base = slash == std::string::npos ? prefix : prefix.substr(slash + 1);
  DIR* d = ::opendir(dir.c_str());
  if (!d) return 0;
  int removed = 0;
  static const std::string kTag = ".tmp.";
  while (const dirent* entry = ::readdir(d)) {
    const std::string name = entry->d_name;
    if (name.compare(0, base.size(), base) != 0) continue;
    const size_t tag = name.rfind(kTag);
    if (tag == std::string::npos || tag + kTag.size() >= name.size()) continue;
    const std::string digits = name.substr(tag + kTag.size());
    if (digits.find_first_not_of("0123456789") != std::string::npos || digits.size() > 9) continue;
    const pid_t pid = static_cast<pid_t>(std::stol(digits));
    // A live writer (another run sharing the folder) still owns its file;
    // one named with our own pid is from an earlier process (we have written
    // nothing yet when this runs).
    if (pid != ::getpid() && (::kill(pid, 0) == 0 || errno != ESRCH)) continue;
    const std::string path = dir + "/" + name;
    if (::unlink(path.c_str()) == 0) ++removed;
  }
  ::closedir(d);
  return removed;
}

void ReadProtoFromTextFile(const std::string& path, Message* proto) {
  ScopedFd fd(OpenForReading(path));
  google::protobuf::io::FileInputStream input(fd.get());
  FirstErrorCollector errors;
  google::protobuf::TextFormat::Parser parser;
  parser.RecordErrorsTo(&errors);
  const bool ok = parser.Parse(&input, proto);
  if (input.GetErrno() != 0) CNN_THROW("cannot read " << path << ": " << std::strerror(input.GetErrno()));
  if (ok) return;
  if (errors.has_error()) {
    errors.PointAtCulprit(path);
    errors.SuggestName(proto->GetDescriptor());
    throw Error(errors.Describe(path));
  }
  CNN_THROW(path << ": not a valid text " << proto->GetDescriptor()->name());
}

void ReadProtoFromBinaryFile(const std::string& path, Message* proto) {
  ScopedFd fd(OpenForReading(path));
  const std::string type = proto->GetDescriptor()->name();
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) {
    const int err = errno;
    CNN_THROW("cannot read " << path << ": " << std::strerror(err));
  }
  const bool regular = S_ISREG(st.st_mode);
  CNN_CHECK(!regular || st.st_size > 0, path << ": empty file, not a valid binary " << type);
  CNN_CHECK(!regular || st.st_size <= INT_MAX,
            path << ": " << st.st_size << " bytes, more than protobuf's 2 GiB limit for one " << type);
  bool ok;
  int consumed;
  int read_errno;
  {
    google::protobuf::io::FileInputStream raw(fd.get());
    google::protobuf::io::CodedInputStream coded(&raw);
    coded.SetTotalBytesLimit(INT_MAX);
    ok = proto->ParseFromCodedStream(&coded) && coded.ConsumedEntireMessage();
    consumed = coded.CurrentPosition();
    read_errno = raw.GetErrno();
  }
  if (read_errno != 0) CNN_THROW("cannot read " << path << ": " << std::strerror(read_errno));
  // Stopping short of the end means the parser met something it took for the
  // end of the message (a zero tag): trailing garbage, not a whole file.
  if (ok && regular && consumed != st.st_size) ok = false;
  CNN_CHECK(ok, path << ": not a valid binary " << type << " (truncated or corrupt?)");
}

void WriteProtoToBinaryFile(const Message& proto, const std::string& path) {
  const size_t size = proto.ByteSizeLong();
  CNN_CHECK(size <= static_cast<size_t>(INT_MAX), "cannot write " << path << ": the " << proto.GetDescriptor()->name()
                                                                  << " is " << size
                                                                  << " bytes, more than protobuf's 2 GiB limit");
  std::string bytes;
  CNN_CHECK(proto.SerializeToString(&bytes),
            "cannot write " << path << ": failed to serialize the " << proto.GetDescriptor()->name());
  WriteFileAtomically(path, bytes);
}

void WriteProtoToTextFile(const Message& proto, const std::string& path) {
  std::string text;
  CNN_CHECK(google::protobuf::TextFormat::PrintToString(proto, &text),
            "cannot write " << path << ": failed to print the " << proto.GetDescriptor()->name() << " as text");
  WriteFileAtomically(path, text);
}

NetParameter ReadNetParamsFromTextFile(const std::string& path) {
  NetParameter param;
  ReadProtoFromTextFile(path, &param);
  UpgradeNetAsNeeded(path, &param);
  // An empty file parses as a valid, empty message: not what anyone meant.
  CNN_CHECK(param.layer_size() > 0, path << ": defines no layers (is it empty, or not a net definition?)");
  return param;
}

NetParameter ReadNetParamsFromBinaryFile(const std::string& path) {
  NetParameter param;
  if (EndsWith(path, ".prototxt") || EndsWith(path, ".pbtxt")) {
    ReadProtoFromTextFile(path, &param);
  } else {
    ReadProtoFromBinaryFile(path, &param);
  }
  UpgradeNetAsNeeded(path, &param);
  return param;
}

SolverParameter ReadSolverParamsFromTextFile(const std::string& path) {
  SolverParameter param;
  ReadProtoFromTextFile(path, &param);
  UpgradeSolverAsNeeded(path, &param);
  return param;
}

}  // namespace cnn
