// Range checks of a SolverParameter's numbers. Caffe accepts a negative
// learning rate or a momentum of 5 and trains garbage for hours; these fail at
// once with the field, the value, the range and the solver file.
#pragma once

#include <string>

#include "cnn/cnn.pb.h"

namespace cnn {

// Throws Error "<source>: <field> must be <range> (got <value>)".
void CheckSolverNumbers(const SolverParameter& param, const std::string& source);

}  // namespace cnn
