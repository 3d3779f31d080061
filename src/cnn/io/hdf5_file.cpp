#include "cnn/io/hdf5_file.hpp"

#include <glog/logging.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <functional>
#include <sstream>

#include "cnn/core/common.hpp"

#ifdef CNN_WITH_HDF5
#include <hdf5.h>
#endif

namespace cnn {
namespace hdf5 {

bool HasHdf5Extension(const std::string& path) {
  return path.size() >= 3 && path.compare(path.size() - 3, 3, ".h5") == 0;
}

#ifdef CNN_WITH_HDF5

static_assert(sizeof(hid_t) == sizeof(int64_t), "hid_t is kept in an int64_t");

bool Available() { return true; }

namespace {

std::string ShapeText(const std::vector<int64_t>& dims) {
  std::ostringstream s;
  s << "(";
  for (size_t i = 0; i < dims.size(); ++i) s << (i ? "," : "") << dims[i];
  s << ")";
  return s.str();
}

// libhdf5 prints its whole error stack to stderr by default; our messages
// carry the one line of it that says what happened. (A thread-safe libhdf5
// keeps that setting per thread.)
void Silence() {
  thread_local const bool silenced = [] {
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    return true;
  }();
  (void)silenced;
}

herr_t KeepInnermost(unsigned n, const H5E_error2_t* err, void* data) {
  if (n == 0 && err->desc) *static_cast<std::string*>(data) = err->desc;
  return 0;
}

// The most specific message on HDF5's error stack (then cleared), as ": ..."
// or "" when HDF5 recorded none.
std::string Hdf5Reason() {
  std::string desc;
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, KeepInnermost, &desc);
  H5Eclear2(H5E_DEFAULT);
  return desc.empty() ? std::string() : " (HDF5: " + desc + ")";
}

// Closes an HDF5 identifier when it goes out of scope.
class Id {
 public:
  Id(hid_t id, herr_t (*close)(hid_t)) : id_(id), close_(close) {}
  ~Id() {
    if (id_ >= 0) close_(id_);
  }
  Id(Id&& other) noexcept : id_(other.id_), close_(other.close_) { other.id_ = -1; }
  Id(const Id&) = delete;
  Id& operator=(const Id&) = delete;
  hid_t get() const { return id_; }
  bool ok() const { return id_ >= 0; }

 private:
  hid_t id_;
  herr_t (*close_)(hid_t);
};

std::vector<std::string> SplitPath(const std::string& name) {
  std::vector<std::string> parts;
  std::string part;
  std::istringstream in(name);
  while (std::getline(in, part, '/'))
    if (!part.empty()) parts.push_back(part);
  return parts;
}

// A link creation list that makes the groups above a new object.
Id IntermediateGroups() {
  Id lcpl(H5Pcreate(H5P_LINK_CREATE), H5Pclose);
  H5Pset_create_intermediate_group(lcpl.get(), 1);
  return lcpl;
}

herr_t CollectName(hid_t, const char* name, const H5L_info_t*, void* data) {
  static_cast<std::vector<std::string>*>(data)->push_back(name);
  return 0;
}

H5I_type_t ObjectType(hid_t loc, const std::string& name) {
  Id obj(H5Oopen(loc, name.c_str(), H5P_DEFAULT), H5Oclose);
  if (!obj.ok()) {
    H5Eclear2(H5E_DEFAULT);
    return H5I_BADID;
  }
  return H5Iget_type(obj.get());
}

std::vector<std::string> LinksIn(hid_t file, const std::string& group) {
  std::vector<std::string> names;
  Id g(H5Gopen2(file, group.empty() ? "/" : group.c_str(), H5P_DEFAULT), H5Gclose);
  if (!g.ok()) {
    H5Eclear2(H5E_DEFAULT);
    return names;
  }
  hsize_t index = 0;
  H5Literate(g.get(), H5_INDEX_NAME, H5_ITER_INC, &index, CollectName, &names);
  return names;
}

int64_t ElementCount(const std::vector<int64_t>& dims) {
  int64_t n = 1;
  for (int64_t d : dims) n *= d;
  return n;
}

}  // namespace

File File::Open(const std::string& path) {
  Silence();
  CNN_CHECK(access(path.c_str(), R_OK) == 0, path << ": cannot open the HDF5 file (no such readable file)");
  const htri_t is_hdf5 = H5Fis_hdf5(path.c_str());
  H5Eclear2(H5E_DEFAULT);
  CNN_CHECK(is_hdf5 > 0, path << ": not an HDF5 file");
  const hid_t id = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  CNN_CHECK(id >= 0, path << ": cannot open the HDF5 file" << Hdf5Reason());
  return File(id, path);
}

File File::Create(const std::string& path) {
  Silence();
  const hid_t id = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  CNN_CHECK(id >= 0, path << ": cannot create the HDF5 file" << Hdf5Reason());
  return File(id, path);
}

File File::CreateInMemory(const std::string& path) {
  Silence();
  Id fapl(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
  // 1 MiB growth steps; nothing is written to disk by HDF5 itself.
  H5Pset_fapl_core(fapl.get(), 1 << 20, 0);
  const hid_t id = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl.get());
  CNN_CHECK(id >= 0, path << ": cannot create the HDF5 file in memory" << Hdf5Reason());
  return File(id, path);
}

File::File(File&& other) noexcept : id_(other.id_), path_(std::move(other.path_)) { other.id_ = -1; }

File& File::operator=(File&& other) noexcept {
  if (this != &other) {
    if (id_ >= 0) H5Fclose(id_);
    id_ = other.id_;
    path_ = std::move(other.path_);
    other.id_ = -1;
  }
  return *this;
}

File::~File() {
  if (id_ >= 0 && H5Fclose(id_) < 0) LOG(ERROR) << path_ << ": closing the HDF5 file failed" << Hdf5Reason();
}

void File::Close() {
  if (id_ < 0) return;
  const herr_t status = H5Fclose(id_);
  id_ = -1;
  CNN_CHECK(status >= 0, path_ << ": closing the HDF5 file failed" << Hdf5Reason());
}

void File::Flush() {
  CNN_CHECK(H5Fflush(id_, H5F_SCOPE_GLOBAL) >= 0, path_ << ": flushing the HDF5 file failed" << Hdf5Reason());
}

std::string File::Image() {
  Flush();
  const ssize_t size = H5Fget_file_image(id_, nullptr, 0);
  CNN_CHECK(size >= 0, path_ << ": cannot take the HDF5 file's image" << Hdf5Reason());
  std::string bytes(static_cast<size_t>(size), '\0');
  CNN_CHECK(H5Fget_file_image(id_, bytes.data(), bytes.size()) == size,
            path_ << ": cannot take the HDF5 file's image" << Hdf5Reason());
  return bytes;
}

bool File::Exists(const std::string& name) const {
  std::string prefix;
  for (const std::string& part : SplitPath(name)) {
    prefix += (prefix.empty() ? "" : "/") + part;
    const htri_t exists = H5Lexists(id_, prefix.c_str(), H5P_DEFAULT);
    if (exists <= 0) {
      H5Eclear2(H5E_DEFAULT);
      return false;
    }
  }
  return true;
}

bool File::IsDataset(const std::string& name) const {
  return Exists(name) && ObjectType(id_, name) == H5I_DATASET;
}

std::vector<std::string> File::DatasetsIn(const std::string& group) const {
  std::vector<std::string> datasets;
  if (!group.empty() && !Exists(group)) return datasets;
  for (const std::string& link : LinksIn(id_, group)) {
    const std::string full = group.empty() ? link : group + "/" + link;
    if (ObjectType(id_, full) == H5I_DATASET) datasets.push_back(link);
  }
  return datasets;
}

std::vector<std::string> File::AllDatasets() const {
  std::vector<std::string> all;
  std::function<void(const std::string&)> walk = [&](const std::string& group) {
    for (const std::string& link : LinksIn(id_, group)) {
      const std::string full = group.empty() ? link : group + "/" + link;
      const H5I_type_t type = ObjectType(id_, full);
      if (type == H5I_DATASET) all.push_back(full);
      if (type == H5I_GROUP) walk(full);
    }
  };
  walk("");
  std::sort(all.begin(), all.end());
  return all;
}

namespace {

// Opens a dataset or throws naming the file, the dataset and what it holds.
Id OpenDataset(hid_t file, const File& f, const std::string& name) {
  if (!f.IsDataset(name)) {
    const std::vector<std::string> all = f.AllDatasets();
    std::ostringstream list;
    for (size_t i = 0; i < all.size(); ++i) list << (i ? ", " : "") << all[i];
    CNN_THROW(f.path() << ": no dataset '" << name << "' (the file holds "
                       << (all.empty() ? std::string("no datasets") : "datasets " + list.str()) << ")");
  }
  Id ds(H5Dopen2(file, name.c_str(), H5P_DEFAULT), H5Dclose);
  CNN_CHECK(ds.ok(), f.path() << ": dataset '" << name << "': cannot open it" << Hdf5Reason());
  return ds;
}

std::vector<int64_t> DimsOf(hid_t dataset, const File& f, const std::string& name) {
  Id space(H5Dget_space(dataset), H5Sclose);
  const int rank = H5Sget_simple_extent_ndims(space.get());
  CNN_CHECK(rank >= 0, f.path() << ": dataset '" << name << "': cannot read its shape" << Hdf5Reason());
  std::vector<hsize_t> dims(static_cast<size_t>(rank));
  H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
  return std::vector<int64_t>(dims.begin(), dims.end());
}

// Checks that the dataset holds numbers HDF5 can convert to float.
void CheckNumeric(hid_t dataset, const File& f, const std::string& name) {
  Id type(H5Dget_type(dataset), H5Tclose);
  const H5T_class_t cls = H5Tget_class(type.get());
  CNN_CHECK(cls == H5T_FLOAT || cls == H5T_INTEGER,
            f.path() << ": dataset '" << name << "' does not hold numbers (expected float or double values)");
}

Id Space(const std::vector<int64_t>& shape, const std::vector<int64_t>* max = nullptr) {
  std::vector<hsize_t> dims(shape.begin(), shape.end());
  std::vector<hsize_t> maxdims;
  if (max) {
    for (int64_t m : *max) maxdims.push_back(m < 0 ? H5S_UNLIMITED : static_cast<hsize_t>(m));
  }
  if (dims.empty()) return Id(H5Screate(H5S_SCALAR), H5Sclose);
  return Id(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), max ? maxdims.data() : nullptr), H5Sclose);
}

}  // namespace

std::vector<int64_t> File::Shape(const std::string& name) const {
  Id ds = OpenDataset(id_, *this, name);
  return DimsOf(ds.get(), *this, name);
}

std::vector<float> File::ReadFloats(const std::string& name, std::vector<int64_t>* shape) const {
  Id ds = OpenDataset(id_, *this, name);
  CheckNumeric(ds.get(), *this, name);
  *shape = DimsOf(ds.get(), *this, name);
  const int64_t count = ElementCount(*shape);
  CNN_CHECK(count <= INT_MAX, path_ << ": dataset '" << name << "' of shape " << ShapeText(*shape)
                                    << " is too large (more than " << INT_MAX << " values)");
  std::vector<float> values(static_cast<size_t>(count));
  if (count > 0) {
    CNN_CHECK(H5Dread(ds.get(), H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()) >= 0,
              path_ << ": dataset '" << name << "': cannot read it" << Hdf5Reason());
  }
  return values;
}

void File::ReadBlob(const std::string& name, Blob* blob, bool reshape) const {
  Id ds = OpenDataset(id_, *this, name);
  CheckNumeric(ds.get(), *this, name);
  const std::vector<int64_t> dims = DimsOf(ds.get(), *this, name);
  std::vector<int> shape;
  for (int64_t d : dims) {
    CNN_CHECK(d <= INT_MAX, path_ << ": dataset '" << name << "' has a dimension of " << d << " (too large)");
    shape.push_back(static_cast<int>(d));
  }
  if (reshape) {
    blob->Reshape(shape);
  } else {
    std::vector<int64_t> expected(blob->shape().begin(), blob->shape().end());
    CNN_CHECK(shape == blob->shape(), path_ << ": dataset '" << name << "' has shape " << ShapeText(dims)
                                            << ", the net expects " << ShapeText(expected));
  }
  if (blob->count() == 0) return;
  CNN_CHECK(H5Dread(ds.get(), H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, blob->mutable_cpu_data()) >= 0,
            path_ << ": dataset '" << name << "': cannot read it" << Hdf5Reason());
}

void File::CreateGroup(const std::string& name) {
  if (Exists(name)) return;
  Id lcpl = IntermediateGroups();
  Id g(H5Gcreate2(id_, name.c_str(), lcpl.get(), H5P_DEFAULT, H5P_DEFAULT), H5Gclose);
  CNN_CHECK(g.ok(), path_ << ": cannot create group '" << name << "'" << Hdf5Reason());
}

void File::WriteFloats(const std::string& name, const std::vector<int64_t>& shape, const float* values) {
  CNN_CHECK(!Exists(name), path_ << ": dataset '" << name << "' exists already");
  Id space = Space(shape);
  Id lcpl = IntermediateGroups();
  Id ds(H5Dcreate2(id_, name.c_str(), H5T_IEEE_F32LE, space.get(), lcpl.get(), H5P_DEFAULT, H5P_DEFAULT),
        H5Dclose);
  CNN_CHECK(ds.ok(), path_ << ": dataset '" << name << "': cannot create it" << Hdf5Reason());
  if (ElementCount(shape) == 0) return;
  CNN_CHECK(H5Dwrite(ds.get(), H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, values) >= 0,
            path_ << ": dataset '" << name << "': cannot write it" << Hdf5Reason());
}

void File::WriteBlob(const std::string& name, const Blob& blob, bool diff) {
  const std::vector<int64_t> shape(blob.shape().begin(), blob.shape().end());
  WriteFloats(name, shape, blob.count() == 0 ? nullptr : (diff ? blob.cpu_diff() : blob.cpu_data()));
}

void File::AppendRows(const std::string& name, const std::vector<int64_t>& shape, const float* values) {
  CNN_CHECK(!shape.empty(), path_ << ": dataset '" << name << "': rows need at least one dimension");
  const int rank = static_cast<int>(shape.size());
  if (!Exists(name)) {
    std::vector<int64_t> start = shape, max = shape, chunk = shape;
    start[0] = 0;
    max[0] = -1;
    chunk[0] = std::max<int64_t>(1, shape[0]);
    for (int64_t& c : chunk) c = std::max<int64_t>(1, c);
    Id space = Space(start, &max);
    Id dcpl(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
    std::vector<hsize_t> chunk_dims(chunk.begin(), chunk.end());
    H5Pset_chunk(dcpl.get(), rank, chunk_dims.data());
    Id lcpl = IntermediateGroups();
    Id created(H5Dcreate2(id_, name.c_str(), H5T_IEEE_F32LE, space.get(), lcpl.get(), dcpl.get(), H5P_DEFAULT),
               H5Dclose);
    CNN_CHECK(created.ok(), path_ << ": dataset '" << name << "': cannot create it" << Hdf5Reason());
  }
  Id ds = OpenDataset(id_, *this, name);
  std::vector<int64_t> dims = DimsOf(ds.get(), *this, name);
  const bool same_rows = static_cast<int>(dims.size()) == rank && std::equal(dims.begin() + 1, dims.end(), shape.begin() + 1);
  std::vector<int64_t> row_shape(shape.begin() + 1, shape.end()), stored_rows;
  if (!dims.empty()) stored_rows.assign(dims.begin() + 1, dims.end());
  CNN_CHECK(same_rows, path_ << ": dataset '" << name << "' holds rows of shape " << ShapeText(stored_rows)
                             << ", cannot append rows of shape " << ShapeText(row_shape));
  if (shape[0] == 0) return;
  std::vector<hsize_t> grown(dims.begin(), dims.end());
  const hsize_t first = grown[0];
  grown[0] += static_cast<hsize_t>(shape[0]);
  CNN_CHECK(H5Dset_extent(ds.get(), grown.data()) >= 0,
            path_ << ": dataset '" << name << "': cannot grow it" << Hdf5Reason());
  Id file_space(H5Dget_space(ds.get()), H5Sclose);
  std::vector<hsize_t> offset(rank, 0), count(shape.begin(), shape.end());
  offset[0] = first;
  H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, offset.data(), nullptr, count.data(), nullptr);
  Id mem_space = Space(shape);
  CNN_CHECK(H5Dwrite(ds.get(), H5T_NATIVE_FLOAT, mem_space.get(), file_space.get(), H5P_DEFAULT, values) >= 0,
            path_ << ": dataset '" << name << "': cannot write it" << Hdf5Reason());
}

void File::WriteInt(const std::string& name, int64_t value) {
  CNN_CHECK(value >= INT_MIN && value <= INT_MAX, path_ << ": '" << name << "' = " << value << " does not fit 32 bits");
  CNN_CHECK(!Exists(name), path_ << ": dataset '" << name << "' exists already");
  const int v = static_cast<int>(value);
  Id space = Space({1});
  Id lcpl = IntermediateGroups();
  Id ds(H5Dcreate2(id_, name.c_str(), H5T_STD_I32LE, space.get(), lcpl.get(), H5P_DEFAULT, H5P_DEFAULT), H5Dclose);
  CNN_CHECK(ds.ok() && H5Dwrite(ds.get(), H5T_NATIVE_INT, H5S_ALL, H5S_ALL, H5P_DEFAULT, &v) >= 0,
            path_ << ": dataset '" << name << "': cannot write it" << Hdf5Reason());
}

int64_t File::ReadInt(const std::string& name) const {
  Id ds = OpenDataset(id_, *this, name);
  Id type(H5Dget_type(ds.get()), H5Tclose);
  CNN_CHECK(H5Tget_class(type.get()) == H5T_INTEGER, path_ << ": dataset '" << name << "' is not an integer");
  const std::vector<int64_t> dims = DimsOf(ds.get(), *this, name);
  CNN_CHECK(ElementCount(dims) == 1,
            path_ << ": dataset '" << name << "' has shape " << ShapeText(dims) << ", expected one integer");
  int64_t v = 0;
  CNN_CHECK(H5Dread(ds.get(), H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, &v) >= 0,
            path_ << ": dataset '" << name << "': cannot read it" << Hdf5Reason());
  return v;
}

void File::WriteString(const std::string& name, const std::string& value) {
  CNN_CHECK(!Exists(name), path_ << ": dataset '" << name << "' exists already");
  Id type(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_size(type.get(), value.size() + 1);
  H5Tset_strpad(type.get(), H5T_STR_NULLTERM);
  Id space(H5Screate(H5S_SCALAR), H5Sclose);
  Id lcpl = IntermediateGroups();
  Id ds(H5Dcreate2(id_, name.c_str(), type.get(), space.get(), lcpl.get(), H5P_DEFAULT, H5P_DEFAULT), H5Dclose);
  CNN_CHECK(ds.ok() && H5Dwrite(ds.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, value.c_str()) >= 0,
            path_ << ": dataset '" << name << "': cannot write it" << Hdf5Reason());
}

std::string File::ReadString(const std::string& name) const {
  Id ds = OpenDataset(id_, *this, name);
  Id type(H5Dget_type(ds.get()), H5Tclose);
  CNN_CHECK(H5Tget_class(type.get()) == H5T_STRING, path_ << ": dataset '" << name << "' is not a string");
  Id space(H5Dget_space(ds.get()), H5Sclose);
  CNN_CHECK(H5Sget_simple_extent_npoints(space.get()) == 1,
            path_ << ": dataset '" << name << "' holds several strings, expected one");
  if (H5Tis_variable_str(type.get()) > 0) {
    Id mem(H5Tcopy(H5T_C_S1), H5Tclose);
    H5Tset_size(mem.get(), H5T_VARIABLE);
    H5Tset_cset(mem.get(), H5Tget_cset(type.get()));  // h5py writes UTF-8
    char* text = nullptr;
    CNN_CHECK(H5Dread(ds.get(), mem.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, &text) >= 0,
              path_ << ": dataset '" << name << "': cannot read it" << Hdf5Reason());
    std::string out = text ? text : "";
    H5Dvlen_reclaim(mem.get(), space.get(), H5P_DEFAULT, &text);
    return out;
  }
  const size_t size = H5Tget_size(type.get());
  std::string buffer(size + 1, '\0');
  Id mem(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_size(mem.get(), size + 1);
  H5Tset_strpad(mem.get(), H5T_STR_NULLTERM);
  H5Tset_cset(mem.get(), H5Tget_cset(type.get()));
  CNN_CHECK(H5Dread(ds.get(), mem.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, buffer.data()) >= 0,
            path_ << ": dataset '" << name << "': cannot read it" << Hdf5Reason());
  return std::string(buffer.c_str());
}

void File::WriteBytes(const std::string& name, const std::string& bytes) {
  CNN_CHECK(!Exists(name), path_ << ": dataset '" << name << "' exists already");
  Id space = Space({static_cast<int64_t>(bytes.size())});
  Id lcpl = IntermediateGroups();
  Id ds(H5Dcreate2(id_, name.c_str(), H5T_STD_U8LE, space.get(), lcpl.get(), H5P_DEFAULT, H5P_DEFAULT), H5Dclose);
  CNN_CHECK(ds.ok(), path_ << ": dataset '" << name << "': cannot create it" << Hdf5Reason());
  if (bytes.empty()) return;
  CNN_CHECK(H5Dwrite(ds.get(), H5T_NATIVE_UINT8, H5S_ALL, H5S_ALL, H5P_DEFAULT, bytes.data()) >= 0,
            path_ << ": dataset '" << name << "': cannot write it" << Hdf5Reason());
}

std::string File::ReadBytes(const std::string& name) const {
  Id ds = OpenDataset(id_, *this, name);
  Id type(H5Dget_type(ds.get()), H5Tclose);
  CNN_CHECK(H5Tget_class(type.get()) == H5T_INTEGER && H5Tget_size(type.get()) == 1,
            path_ << ": dataset '" << name << "' is not a byte string (uint8)");
  const std::vector<int64_t> dims = DimsOf(ds.get(), *this, name);
  CNN_CHECK(dims.size() == 1, path_ << ": dataset '" << name << "' has shape " << ShapeText(dims)
                                    << ", expected one dimension of bytes");
  std::string bytes(static_cast<size_t>(dims[0]), '\0');
  if (bytes.empty()) return bytes;
  CNN_CHECK(H5Dread(ds.get(), H5T_NATIVE_UINT8, H5S_ALL, H5S_ALL, H5P_DEFAULT, bytes.data()) >= 0,
            path_ << ": dataset '" << name << "': cannot read it" << Hdf5Reason());
  return bytes;
}

#else  // !CNN_WITH_HDF5

bool Available() { return false; }

namespace {
[[noreturn]] void NoHdf5(const std::string& path) {
  CNN_THROW(path << ": this build of cnn has no HDF5 support (install libhdf5-dev and configure with "
                    "-DCNN_WITH_HDF5=ON)");
}
}  // namespace

File File::Open(const std::string& path) { NoHdf5(path); }
File File::Create(const std::string& path) { NoHdf5(path); }
File File::CreateInMemory(const std::string& path) { NoHdf5(path); }
File::File(File&& other) noexcept : id_(other.id_), path_(std::move(other.path_)) {}
File& File::operator=(File&& other) noexcept {
  path_ = std::move(other.path_);
  return *this;
}
File::~File() = default;
void File::Close() {}
void File::Flush() {}
std::string File::Image() { NoHdf5(path_); }
bool File::Exists(const std::string&) const { NoHdf5(path_); }
bool File::IsDataset(const std::string&) const { NoHdf5(path_); }
std::vector<std::string> File::DatasetsIn(const std::string&) const { NoHdf5(path_); }
std::vector<std::string> File::AllDatasets() const { NoHdf5(path_); }
std::vector<int64_t> File::Shape(const std::string&) const { NoHdf5(path_); }
std::vector<float> File::ReadFloats(const std::string&, std::vector<int64_t>*) const { NoHdf5(path_); }
void File::ReadBlob(const std::string&, Blob*, bool) const { NoHdf5(path_); }
void File::CreateGroup(const std::string&) { NoHdf5(path_); }
void File::WriteFloats(const std::string&, const std::vector<int64_t>&, const float*) { NoHdf5(path_); }
void File::WriteBlob(const std::string&, const Blob&, bool) { NoHdf5(path_); }
void File::AppendRows(const std::string&, const std::vector<int64_t>&, const float*) { NoHdf5(path_); }
void File::WriteInt(const std::string&, int64_t) { NoHdf5(path_); }
int64_t File::ReadInt(const std::string&) const { NoHdf5(path_); }
void File::WriteString(const std::string&, const std::string&) { NoHdf5(path_); }
std::string File::ReadString(const std::string&) const { NoHdf5(path_); }
void File::WriteBytes(const std::string&, const std::string&) { NoHdf5(path_); }
std::string File::ReadBytes(const std::string&) const { NoHdf5(path_); }

#endif  // CNN_WITH_HDF5

}  // namespace hdf5
}  // namespace cnn
