#include "run_program.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>

#include "cnn/core/common.hpp"

// The source tree `cnn plot` and `cnn visualize` take their scripts from in
// a built (not installed) binary; set by tools/CMakeLists.txt.
#ifndef CNN_TOOL_SOURCE_DIR
#define CNN_TOOL_SOURCE_DIR ""
#endif

namespace cnn {
namespace tool {

int RunProgram(const std::vector<std::string>& argv) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const pid_t pid = fork();
  if (pid < 0) return 127;
  if (pid == 0) {
    execvp(args[0], args.data());
    _exit(127);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return 127;
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : 127;
}

std::string ExecutableDir() {
  char buf[PATH_MAX];
  const ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return "";
  std::string path(buf, static_cast<size_t>(n));
  const auto slash = path.find_last_of('/');
  return slash == std::string::npos ? "" : path.substr(0, slash);
}

bool Readable(const std::string& path) { return !path.empty() && access(path.c_str(), R_OK) == 0; }

std::string FindToolScript(const char* env_var, const std::string& name) {
  const char* env = std::getenv(env_var);
  if (env != nullptr && *env != '\0') {
    CNN_CHECK(Readable(env), env_var << " names '" << env << "', which cannot be read");
    return env;
  }
  const std::vector<std::string> candidates = {ExecutableDir() + "/../share/cnn/" + name,
                                               std::string(CNN_TOOL_SOURCE_DIR) + "/tools/plot/" + name};
  for (const auto& c : candidates) {
    if (Readable(c)) return c;
  }
  CNN_THROW("cannot find " << name << " (looked in " << candidates[0] << " and " << candidates[1] << "); set "
                           << env_var << " to its path");
}

}  // namespace tool
}  // namespace cnn
