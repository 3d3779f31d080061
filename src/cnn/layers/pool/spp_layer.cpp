#include "cnn/layers/pool/spp_layer.hpp"

#include <string>

#include "cnn/core/common.hpp"
#include "cnn/core/layer_registry.hpp"
#include "cnn/layers/shape/concat_layer.hpp"
#include "cnn/layers/shape/flatten_layer.hpp"
#include "cnn/layers/pool/pooling_layer.hpp"
#include "cnn/layers/shape/split_layer.hpp"

namespace cnn {

PoolingParameter SPPLayer::LevelPooling(int level, int height, int width, SPPParameter::PoolMethod pool) {
  const int bins = 1 << level;
  // kernel = ceil(size / bins); the pad spreads the kernel's overhang
  // (kernel * bins - size) over both sides, the larger half first.
  const int kernel_h = (height + bins - 1) / bins;
  const int kernel_w = (width + bins - 1) / bins;
  PoolingParameter p;
  p.set_kernel_h(kernel_h);
  p.set_kernel_w(kernel_w);
  p.set_stride_h(kernel_h);
  p.set_stride_w(kernel_w);
  p.set_pad_h((kernel_h * bins - height + 1) / 2);
  p.set_pad_w((kernel_w * bins - width + 1) / 2);
  p.set_pool(static_cast<PoolingParameter::PoolMethod>(pool));
  return p;
}

void SPPLayer::LayerSetUp(const BlobVec& bottom, const BlobVec& top) {
  const SPPParameter& p = layer_param_.spp_param();
  CNN_CHECK(p.pyramid_height() >= 1, where() << "spp_param.pyramid_height must be at least 1, got "
                                             << p.pyramid_height());
  // 2^level bins must fit an int, and no input is 2^30 pixels tall.
  CNN_CHECK(p.pyramid_height() <= 30, where() << "spp_param.pyramid_height " << p.pyramid_height() << " is too large");
  CNN_CHECK(p.engine() != SPPParameter::CUDNN,
            where() << "has no cuDNN engine (it runs its own Pooling layers); use engine DEFAULT or CAFFE");
  CNN_CHECK(top[0] != bottom[0], where() << "cannot run in place (top and bottom are the same blob)");
  pyramid_height_ = static_cast<int>(p.pyramid_height());
  built_for_.clear();
}

template <typename Fn>
void SPPLayer::AtLevel(int level, Fn fn) {
  try {
    fn();
  } catch (const OutOfMemory&) {
    throw;
  } catch (const Error& e) {
    throw Error(where() + "pyramid level " + std::to_string(level) + ": " + e.what());
  }
}

void SPPLayer::Build(const BlobVec& bottom, const BlobVec& top) {
  const Blob& in = *bottom[0];
  const int height = in.shape(2), width = in.shape(3);
  const SPPParameter::PoolMethod method = layer_param_.spp_param().pool();
  const auto sub_param = [&](const std::string& suffix, const char* type) {
    LayerParameter lp;
    lp.set_name(name() + "/" + suffix);
    lp.set_type(type);
    lp.set_phase(phase_);
    return lp;
  };
  pooling_.clear();
  flatten_.clear();
  level_in_.clear();
  pooled_.clear();
  flat_.clear();
  level_in_vec_.clear();
  flat_vec_.clear();
  if (pyramid_height_ == 1) {
    LayerParameter lp = sub_param("pool0", "Pooling");
    *lp.mutable_pooling_param() = LevelPooling(0, height, width, method);
    pooling_.push_back(std::make_unique<PoolingLayer>(lp));
    AtLevel(0, [&] { pooling_[0]->SetUp(bottom, top); });
    return;
  }
  for (int l = 0; l < pyramid_height_; ++l) {
    level_in_.push_back(std::make_unique<Blob>());
    level_in_vec_.push_back(level_in_.back().get());
  }
  split_ = std::make_unique<SplitLayer>(sub_param("split", "Split"));
  split_->SetUp(bottom, level_in_vec_);
  for (int l = 0; l < pyramid_height_; ++l) {
    LayerParameter lp = sub_param("pool" + std::to_string(l), "Pooling");
    *lp.mutable_pooling_param() = LevelPooling(l, height, width, method);
    pooling_.push_back(std::make_unique<PoolingLayer>(lp));
    pooled_.push_back(std::make_unique<Blob>());
    AtLevel(l, [&] { pooling_[l]->SetUp({level_in_vec_[l]}, {pooled_[l].get()}); });
    flatten_.push_back(std::make_unique<FlattenLayer>(sub_param("flatten" + std::to_string(l), "Flatten")));
    flat_.push_back(std::make_unique<Blob>());
    flat_vec_.push_back(flat_.back().get());
    flatten_[l]->SetUp({pooled_[l].get()}, {flat_vec_[l]});
  }
  concat_ = std::make_unique<ConcatLayer>(sub_param("concat", "Concat"));
  concat_->SetUp(flat_vec_, top);
}

void SPPLayer::Reshape(const BlobVec& bottom, const BlobVec& top) {
  const Blob& in = *bottom[0];
  CNN_CHECK(in.num_axes() == 4,
            where() << "expects a 4-D (num, channels, height, width) input, got shape " << in.shape_string());
  CNN_CHECK(in.shape(2) > 0 && in.shape(3) > 0,
            where() << "input height and width must be positive, got shape " << in.shape_string());
  if (in.shape() != built_for_) {
    Build(bottom, top);
    built_for_ = in.shape();
    return;
  }
  // Same shape: re-run the pieces' Reshape only, which re-points the
  // aliases (split tops, flattened views) at the current memory.
  if (pyramid_height_ == 1) {
    pooling_[0]->Reshape(bottom, top);
    return;
  }
  split_->Reshape(bottom, level_in_vec_);
  for (int l = 0; l < pyramid_height_; ++l) {
    pooling_[l]->Reshape({level_in_vec_[l]}, {pooled_[l].get()});
    flatten_[l]->Reshape({pooled_[l].get()}, {flat_vec_[l]});
  }
  concat_->Reshape(flat_vec_, top);
}

void SPPLayer::ForwardLevels(const BlobVec& bottom, const BlobVec& top) {
  if (pyramid_height_ == 1) {
    pooling_[0]->Forward(bottom, top);
    return;
  }
  split_->Forward(bottom, level_in_vec_);
  for (int l = 0; l < pyramid_height_; ++l) {
    pooling_[l]->Forward({level_in_vec_[l]}, {pooled_[l].get()});
    flatten_[l]->Forward({pooled_[l].get()}, {flat_vec_[l]});
  }
  concat_->Forward(flat_vec_, top);
}

void SPPLayer::BackwardLevels(const BlobVec& top, const std::vector<bool>& propagate_down, const BlobVec& bottom) {
  if (!propagate_down[0]) return;
  if (pyramid_height_ == 1) {
    pooling_[0]->Backward(top, propagate_down, bottom);
    return;
  }
  concat_->Backward(top, std::vector<bool>(pyramid_height_, true), flat_vec_);
  for (int l = 0; l < pyramid_height_; ++l) {
    flatten_[l]->Backward({flat_vec_[l]}, {true}, {pooled_[l].get()});
    pooling_[l]->Backward({pooled_[l].get()}, {true}, {level_in_vec_[l]});
  }
  split_->Backward(level_in_vec_, {true}, bottom);
}

CNN_REGISTER_LAYER(SPP, SPPLayer);

}  // namespace cnn
