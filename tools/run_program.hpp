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

// Whether `path` names a file this process can read.
bool Readable(const std::string& path);

// One of the tool's helper scripts (cnn_plot.py, cnn_filters.py): the file
// the environment variable `env_var` names when it is set, else
// share/cnn/`name` beside an installed binary, else tools/plot/`name` in the
// source tree the binary was built from. Throws Error naming the places it
// looked when none can be read.
std::string FindToolScript(const char* env_var, const std::string& name);

}  // namespace tool
}  // namespace cnn
