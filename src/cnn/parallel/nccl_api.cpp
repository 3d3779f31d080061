#include "cnn/parallel/nccl_api.hpp"

#include <string>

#include "cnn/core/dynamic_library.hpp"

namespace cnn {
namespace parallel {
namespace {

NcclApi Load() {
  // The soname of the NCCL major version whose header we compiled against.
  const DynamicLibrary lib({"NCCL", "libnccl.so." + std::to_string(NCCL_MAJOR), "libnccl.so",
                            "install NCCL or add its folder to LD_LIBRARY_PATH",
                            "is it older than NCCL " + std::to_string(NCCL_MAJOR) + "." + std::to_string(NCCL_MINOR) +
                                "?"});
  NcclApi api;
  lib.Resolve("ncclGetVersion", &api.GetVersion);
  lib.Resolve("ncclGetUniqueId", &api.GetUniqueId);
  lib.Resolve("ncclCommInitRank", &api.CommInitRank);
  lib.Resolve("ncclCommInitAll", &api.CommInitAll);
  lib.Resolve("ncclCommDestroy", &api.CommDestroy);
  lib.Resolve("ncclCommAbort", &api.CommAbort);
  lib.Resolve("ncclAllReduce", &api.AllReduce);
  lib.Resolve("ncclBroadcast", &api.Broadcast);
  lib.Resolve("ncclGetErrorString", &api.GetErrorString);
  return api;
}

}  // namespace

const NcclApi& NcclLib() { return LoadOnce(&Load); }

}  // namespace parallel
}  // namespace cnn
