// What the three upgrade_*_proto_* commands share: the net upgrade run step
// by step (in UpgradeNetAsNeeded's order) so each change can be reported,
// and writing the result or, for a file already current, its own bytes.
#pragma once

#include <string>
#include <vector>

#include "cnn/cnn.pb.h"

namespace cnn {
namespace tool {

// Upgrades `param` in place; returns one line per change made (empty when
// the net was current). Caffe's V0 format is converted to V1 first (which
// the loaders do not do). Throws Error naming `source` for nets the upgrade
// code refuses.
std::vector<std::string> UpgradeNetReporting(const std::string& source, NetParameter* param);

// The same for a solver: the solver_type enum and any net given inline.
std::vector<std::string> UpgradeSolverReporting(const std::string& source, SolverParameter* param);

// Prints the changes (or that there were none) the way the commands report.
void PrintUpgradeReport(const std::string& in, const std::string& out, const std::vector<std::string>& changes);

// Writes IN's bytes to OUT unchanged (nothing when they are the same file),
// replacing OUT atomically, so comments and layout of a current file survive.
void CopyFileUnchanged(const std::string& in, const std::string& out);

}  // namespace tool
}  // namespace cnn
