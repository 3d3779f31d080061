// Reading and writing protobuf files with errors a user can act on:
// a parse error names file:line:column; a missing file says so.
#pragma once

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>

#include <string>

#include "cnn/cnn.pb.h"

namespace cnn {

// Text format (prototxt). Throws Error("FILE:LINE:COL: message") on a parse error.
void ReadProtoFromTextFile(const std::string& path, google::protobuf::Message* proto);
// " (did you mean 'X'?)" for one of protobuf's text-parser errors naming an
// unknown field (X: the closest field of that message) or enum value (X: the
// closest value of that field's enum, in any message a `root` file can hold);
// "" for other errors or when nothing is close. Used by the reader above.
std::string DidYouMeanInProto(const std::string& message, const google::protobuf::Descriptor* root);
// Binary format. Throws Error when the file is missing, truncated or not a
// valid message of that type (reading up to 2 GiB).
void ReadProtoFromBinaryFile(const std::string& path, google::protobuf::Message* proto);
// Writes to PATH.tmp.<pid>, flushes, fsyncs and renames over PATH, so a
// crash or kill never leaves a half-written file under PATH.
void WriteProtoToBinaryFile(const google::protobuf::Message& proto, const std::string& path);
void WriteProtoToTextFile(const google::protobuf::Message& proto, const std::string& path);
// The same for any bytes (HDF5 snapshots built in memory).
void WriteFileAtomically(const std::string& path, const std::string& bytes);
// Removes the temporaries (PREFIX*.tmp.<pid>) that writers killed before
// their rename left beside files whose names start with `prefix`, skipping
// those of processes still running. Returns how many were removed.
int RemoveStaleTemporaries(const std::string& prefix);

// A net definition from a prototxt, upgraded from Caffe's older formats
// (V1 `layers`, legacy `input`/`input_dim`/`input_shape`) to the current one.
NetParameter ReadNetParamsFromTextFile(const std::string& path);
// Trained weights: binary .caffemodel, or text when the name ends in .prototxt/.pbtxt.
NetParameter ReadNetParamsFromBinaryFile(const std::string& path);
SolverParameter ReadSolverParamsFromTextFile(const std::string& path);

// In-memory upgrades, used by the readers above (exposed for tests).
// Returns true when something was changed.
bool UpgradeNetAsNeeded(const std::string& source, NetParameter* param);

}  // namespace cnn
