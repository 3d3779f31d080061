// Tile: repeats the bottom `tile_param.tiles` times along `tile_param.axis`
// (default 1); the block from that axis on is copied whole, so tiling
// {2, 3} along axis 1 twice gives rows a b c a b c.
#pragma once

#include "cnn/core/layer.hpp"

namespace cnn {

class TileLayer : public Layer {
 public:
  explicit TileLayer(const LayerParameter& param) : Layer(param) {}

  void Reshape(const BlobVec& bottom, const BlobVec& top) override;

  const char* type() const override { return "Tile"; }
  int ExactNumBottomBlobs() const override { return 1; }
  int ExactNumTopBlobs() const override { return 1; }

 protected:
  void Forward_cpu(const BlobVec& bottom, const BlobVec& top) override;
  void Backward_cpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                    const BlobVec& bottom) override;
#ifdef CNN_WITH_CUDA
  void Forward_gpu(const BlobVec& bottom, const BlobVec& top) override;
  void Backward_gpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                    const BlobVec& bottom) override;
#endif

 private:
  int tiles_ = 1;
  int inner_ = 0;  // the bottom's count from the tiled axis on
};

}  // namespace cnn
