// SolverState in Caffe's HDF5 layout (.solverstate.h5), plus our own resume
// fields under names Caffe never reads:
//
//   iter              int32[1]   iteration reached            (Caffe's)
//   learned_net       string     the .caffemodel.h5 beside it (Caffe's)
//   current_step      int32[1]   "multistep" position          (Caffe's)
//   history/<i>       float N-D  solver history blob i         (Caffe's)
//   cnn_rng_state     uint8[n]   SolverState.rng_state's bytes (ours)
//   cnn_layer_state/<k>/net    int32[1]  LayerState k's net (0 = train)  (ours)
//   cnn_layer_state/<k>/layer  string    its layer's name                (ours)
//   cnn_layer_state/<k>/state  uint8[n]  its saved position, byte for byte (ours)
//   cnn_early_stop/best_score         float[1]  EarlyStopState's fields (ours)
//   cnn_early_stop/best_iter          int32[1]
//   cnn_early_stop/passes_since_best  int32[1]
//   cnn_early_stop/best_model         string
//
// Every field of SolverState survives a write and a read bit-exactly, so a
// run resumed from an HDF5 snapshot is the one resumed from a binary one.
#pragma once

#include <string>

#include "cnn/cnn.pb.h"

namespace cnn {

// Writes to PATH.tmp.<pid>, syncs and renames over PATH (as WriteProtoToBinaryFile).
void WriteSolverStateToHDF5(const SolverState& state, const std::string& path);
// Throws Error naming the file and the dataset when one is missing or malformed.
SolverState ReadSolverStateFromHDF5(const std::string& path);

}  // namespace cnn
