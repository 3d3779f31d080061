#include "cnn/layers/data/dummy_data_layer.hpp"

#include "cnn/core/common.hpp"
#include "cnn/core/layer_registry.hpp"

namespace cnn {
namespace {

// Legacy 4-D fields come one value for all tops or one per top.
int LegacyDim(const google::protobuf::RepeatedField<uint32_t>& values, int top_index) {
  return static_cast<int>(values.size() == 1 ? values.Get(0) : values.Get(top_index));
}

}  // namespace

void DummyDataLayer::LayerSetUp(const BlobVec& bottom, const BlobVec& top) {
  const DummyDataParameter& p = layer_param_.dummy_data_param();
  const int num_top = static_cast<int>(top.size());
  const int num_fillers = p.data_filler_size();
  CNN_CHECK(
      num_fillers == 0 || num_fillers == 1 || num_fillers == num_top,
      where() << "give data_filler 0 times, once, or once per top (" << num_top << "); got " << num_fillers);

  const bool legacy = p.num_size() || p.channels_size() || p.height_size() || p.width_size();
  if (legacy) {
    CNN_CHECK(p.shape_size() == 0, where() << "give either shape or num/channels/height/width, not both");
    auto check_count = [&](const char* field, int n) {
      CNN_CHECK(n == 1 || n == num_top,
                where() << "give '" << field << "' once or once per top (" << num_top << "); got " << n);
    };
    check_count("num", p.num_size());
    check_count("channels", p.channels_size());
    check_count("height", p.height_size());
    check_count("width", p.width_size());
  } else {
    CNN_CHECK(p.shape_size() == 1 || p.shape_size() == num_top,
              where() << "give 'shape' once or once per top (" << num_top << "); got " << p.shape_size());
  }

  fillers_.clear();
  filler_params_.clear();
  refill_.clear();
  // Filler errors get the layer's name in front, like every other layer error.
  auto create = [this](const FillerParameter& fp) {
    try {
      return CreateFiller(fp);
    } catch (const Error& e) {
      throw Error(where() + e.what());
    }
  };
  if (num_fillers <= 1) {
    FillerParameter fp;
    if (num_fillers == 0) {
      fp.set_type("constant");
      fp.set_value(0.f);
    } else {
      fp = p.data_filler(0);
    }
    fillers_.push_back(create(fp));
    filler_params_.push_back(fp);
    refill_.push_back(fp.type() != "constant");
  } else {
    for (int i = 0; i < num_top; ++i) {
      fillers_.push_back(create(p.data_filler(i)));
      filler_params_.push_back(p.data_filler(i));
      refill_.push_back(p.data_filler(i).type() != "constant");
    }
  }

  for (int i = 0; i < num_top; ++i) {
    if (legacy) {
      top[i]->Reshape(LegacyDim(p.num(), i), LegacyDim(p.channels(), i), LegacyDim(p.height(), i),
                      LegacyDim(p.width(), i));
    } else {
      top[i]->Reshape(p.shape(p.shape_size() == 1 ? 0 : i));
    }
  }
  // Constant tops never change, so they are filled here and skipped later.
  for (int i = 0; i < num_top; ++i) {
    const int f = fillers_.size() > 1 ? i : 0;
    if (!refill_[f]) fillers_[f]->Fill(top[i]);
  }
}

void DummyDataLayer::Forward_cpu(const BlobVec& bottom, const BlobVec& top) {
  for (size_t i = 0; i < top.size(); ++i) {
    const size_t f = fillers_.size() > 1 ? i : 0;
    if (refill_[f]) fillers_[f]->Fill(top[i]);
  }
}

CNN_REGISTER_LAYER(DummyData, DummyDataLayer);

}  // namespace cnn
