// For the HDF5 tests: running a Python script with Debian's h5py
// (/usr/bin/python3, package python3-h5py) to write files as Caffe's users
// do, or to read ours back independently. Tests call SKIP_WITHOUT_H5PY().
#pragma once

#include <fstream>
#include <string>

#include "cnn/io/hdf5_file.hpp"
#include "support/test_support.hpp"

namespace cnn {
namespace test {

inline bool HaveH5py() {
  static const bool have = [] {
    std::string out;
    return RunCommand("/usr/bin/python3 -c 'import h5py, numpy' 2>&1", &out) == 0;
  }();
  return have;
}

// Runs `script` (written to dir/name.py) with /usr/bin/python3; returns its
// exit status, its output in *out.
inline int RunPython(const std::string& dir, const std::string& name, const std::string& script, std::string* out) {
  const std::string path = dir + "/" + name + ".py";
  std::ofstream(path) << "import h5py, numpy as np\n" << script;
  return RunCommand("/usr/bin/python3 '" + path + "' 2>&1", out);
}

}  // namespace test
}  // namespace cnn

#define SKIP_WITHOUT_HDF5()                                                    \
  do {                                                                         \
    if (!::cnn::hdf5::Available()) GTEST_SKIP() << "built without HDF5";       \
  } while (0)

#define SKIP_WITHOUT_H5PY()                                                                   \
  do {                                                                                        \
    SKIP_WITHOUT_HDF5();                                                                      \
    if (!::cnn::test::HaveH5py()) GTEST_SKIP() << "/usr/bin/python3 has no h5py (python3-h5py)"; \
  } while (0)
