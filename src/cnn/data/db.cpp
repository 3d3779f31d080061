#include "cnn/data/db.hpp"

#include "cnn/core/common.hpp"

namespace cnn {

std::unique_ptr<DB> OpenDB(const std::string& backend, const std::string& path, DB::Mode mode) {
  CNN_CHECK(!path.empty(), "no database path given (backend " << backend << ")");
  if (backend == "lmdb") return detail::OpenLMDB(path, mode);
  if (backend == "leveldb") return detail::OpenLevelDB(path, mode);
  CNN_THROW("unknown database backend '" << backend << "' for '" << path << "'; use lmdb or leveldb");
}

std::string BackendName(DataParameter::DB backend) {
  switch (backend) {
    case DataParameter::LEVELDB:
      return "leveldb";
    case DataParameter::LMDB:
      return "lmdb";
  }
  CNN_THROW("unknown DataParameter backend " << static_cast<int>(backend));
}

}  // namespace cnn
