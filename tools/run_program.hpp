// Running a helper program (python3 for `cnn plot`, Graphviz's dot for
// `cnn draw`) with an argument vector, no shell in between, so file names
// need no quoting.
#pragma once

#include <string>
#include <vector>

namespace cnn {
namespace tool {

// Runs argv[0] (looked up on PATH) and waits: its exit status, or 127 when
// it could not be started (not installed), 128 + N when signal N ended it.
int RunProgram(const std::vector<std::string>& argv);

// The directory the running `cnn` binary is in ("" when unknown).
std::string ExecutableDir();

}  // namespace tool
}  // namespace cnn
