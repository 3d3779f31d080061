// The HDF5 wrapper (cnn/io/hdf5_file.hpp): files h5py writes in float,
// double and integer read back with known values; files we write read back
// by us and by h5py; every failure one line naming file and dataset.
#include "cnn/io/hdf5_file.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "support/hdf5_python.hpp"
#include "support/test_support.hpp"

namespace cnn {
namespace {

using test::ErrorOf;

TEST(Hdf5File, ExtensionDecidesLikeCaffe) {
  EXPECT_TRUE(hdf5::HasHdf5Extension("a_iter_3.caffemodel.h5"));
  EXPECT_TRUE(hdf5::HasHdf5Extension("x.solverstate.h5"));
  EXPECT_FALSE(hdf5::HasHdf5Extension("a.caffemodel"));
  EXPECT_FALSE(hdf5::HasHdf5Extension("h5"));
}

TEST(Hdf5File, BuildWithoutHdf5RefusesWithAClearError) {
  if (hdf5::Available()) GTEST_SKIP() << "built with HDF5";
  EXPECT_NE(ErrorOf([] { hdf5::File::Open("x.h5"); }).find("no HDF5 support"), std::string::npos);
}

TEST(Hdf5File, ReadsWhatH5pyWritesInFloatDoubleAndInteger) {
  SKIP_WITHOUT_H5PY();
  const std::string dir = test::MakeTempDir();
  std::string out;
  ASSERT_EQ(test::RunPython(dir, "write", R"(
with h5py.File(')" + dir + R"(/in.h5', 'w') as f:
    f['f32'] = (np.arange(24, dtype=np.float32) * 0.5).reshape(2, 3, 4)
    f['f64'] = (np.arange(6, dtype=np.float64) / 3.0).reshape(3, 2)
    f['i64'] = np.array([7, -2, 40000], dtype=np.int64)
    f['g/nested'] = np.ones((1,), dtype=np.float32)
    f['name'] = 'lenet_iter_5.caffemodel.h5'
    f['text'] = np.array([b'a', b'b'])
)", &out), 0) << out;
  const hdf5::File f = hdf5::File::Open(dir + "/in.h5");
  std::vector<int64_t> shape;
  std::vector<float> v = f.ReadFloats("f32", &shape);
  EXPECT_EQ(shape, (std::vector<int64_t>{2, 3, 4}));
  ASSERT_EQ(v.size(), 24u);
  for (int i = 0; i < 24; ++i) EXPECT_EQ(v[i], i * 0.5f);
  v = f.ReadFloats("f64", &shape);
  EXPECT_EQ(shape, (std::vector<int64_t>{3, 2}));
  for (int i = 0; i < 6; ++i) EXPECT_EQ(v[i], static_cast<float>(i / 3.0)) << i;  // rounded to nearest
  v = f.ReadFloats("i64", &shape);
  EXPECT_EQ(v, (std::vector<float>{7.f, -2.f, 40000.f}));
  EXPECT_EQ(f.ReadString("name"), "lenet_iter_5.caffemodel.h5");  // h5py's variable-length string
  EXPECT_EQ(f.AllDatasets(), (std::vector<std::string>{"f32", "f64", "g/nested", "i64", "name", "text"}));
  EXPECT_EQ(f.DatasetsIn("g"), (std::vector<std::string>{"nested"}));
  EXPECT_TRUE(f.IsDataset("g/nested"));
  EXPECT_FALSE(f.IsDataset("g"));
  EXPECT_FALSE(f.Exists("g/none"));

  Blob blob(std::vector<int>{2, 3, 4});
  f.ReadBlob("f32", &blob, /*reshape=*/false);
  EXPECT_EQ(blob.cpu_data()[23], 11.5f);
  Blob wrong(std::vector<int>{4, 6});
  EXPECT_EQ(ErrorOf([&] { f.ReadBlob("f32", &wrong, false); }),
            dir + "/in.h5: dataset 'f32' has shape (2,3,4), the net expects (4,6)");
  EXPECT_EQ(ErrorOf([&] { f.ReadFloats("text", &shape); }),
            dir + "/in.h5: dataset 'text' does not hold numbers (expected float or double values)");
  EXPECT_EQ(ErrorOf([&] { f.Shape("label"); }),
            dir + "/in.h5: no dataset 'label' (the file holds datasets f32, f64, g/nested, i64, name, text)");
}

TEST(Hdf5File, WhatWeWriteReadsBackHereAndInH5py) {
  SKIP_WITHOUT_HDF5();
  const std::string dir = test::MakeTempDir();
  const std::string path = dir + "/out.h5";
  {
    hdf5::File f = hdf5::File::Create(path);
    Blob b(std::vector<int>{2, 3});
    for (int i = 0; i < 6; ++i) b.mutable_cpu_data()[i] = 0.25f * i - 0.5f;
    f.WriteBlob("data/layer/with/slash/0", b);
    f.WriteInt("iter", 1234);
    f.WriteString("learned_net", "a/b_iter_1234.caffemodel.h5");
    f.WriteBytes("bytes", std::string("\0\1\xff x", 5));
    f.WriteBytes("empty", "");
    const float rows1[] = {1, 2, 3, 4};
    const float rows2[] = {5, 6};
    f.AppendRows("grow", {2, 2}, rows1);
    f.AppendRows("grow", {1, 2}, rows2);
    EXPECT_EQ(ErrorOf([&] { f.AppendRows("grow", {1, 3}, rows1); }),
              path + ": dataset 'grow' holds rows of shape (2), cannot append rows of shape (3)");
    EXPECT_EQ(ErrorOf([&] { f.WriteInt("iter", 1); }), path + ": dataset 'iter' exists already");
    f.Close();
  }
  const hdf5::File f = hdf5::File::Open(path);
  std::vector<int64_t> shape;
  const std::vector<float> v = f.ReadFloats("data/layer/with/slash/0", &shape);
  EXPECT_EQ(shape, (std::vector<int64_t>{2, 3}));
  for (int i = 0; i < 6; ++i) EXPECT_EQ(v[i], 0.25f * i - 0.5f);
  EXPECT_EQ(f.ReadInt("iter"), 1234);
  EXPECT_EQ(f.ReadString("learned_net"), "a/b_iter_1234.caffemodel.h5");
  EXPECT_EQ(f.ReadBytes("bytes"), std::string("\0\1\xff x", 5));
  EXPECT_EQ(f.ReadBytes("empty"), "");
  EXPECT_EQ(f.ReadFloats("grow", &shape), (std::vector<float>{1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(shape, (std::vector<int64_t>{3, 2}));

  if (!test::HaveH5py()) return;
  std::string out;
  EXPECT_EQ(test::RunPython(dir, "check", R"(
f = h5py.File(')" + path + R"(', 'r')
d = f['data/layer/with/slash/0']
assert d.dtype == np.float32 and d.shape == (2, 3), (d.dtype, d.shape)
assert np.array_equal(d[()], (np.arange(6, dtype=np.float32) * 0.25 - 0.5).reshape(2, 3))
assert f['iter'].shape == (1,) and int(f['iter'][0]) == 1234
assert f['learned_net'][()] == b'a/b_iter_1234.caffemodel.h5', f['learned_net'][()]
assert f['grow'].shape == (3, 2) and f['grow'][2, 1] == 6
print('ok')
)", &out), 0) << out;
}

TEST(Hdf5File, MissingAndForeignFilesAreOneLineErrors) {
  SKIP_WITHOUT_HDF5();
  const std::string dir = test::MakeTempDir();
  EXPECT_EQ(ErrorOf([&] { hdf5::File::Open(dir + "/none.h5"); }),
            dir + "/none.h5: cannot open the HDF5 file (no such readable file)");
  std::ofstream(dir + "/text.h5") << "not hdf5\n";
  EXPECT_EQ(ErrorOf([&] { hdf5::File::Open(dir + "/text.h5"); }), dir + "/text.h5: not an HDF5 file");
  const std::string error = ErrorOf([&] { hdf5::File::Create(dir + "/no/such/dir/x.h5"); });
  EXPECT_EQ(error.rfind(dir + "/no/such/dir/x.h5: cannot create the HDF5 file", 0), 0u) << error;
  EXPECT_EQ(error.find('\n'), std::string::npos) << error;
}

}  // namespace
}  // namespace cnn
