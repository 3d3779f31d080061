#include "cnn/net/insert_splits.hpp"

#include <algorithm>
#include <map>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "cnn/core/common.hpp"
#include "cnn/core/did_you_mean.hpp"

namespace cnn {

std::string SplitLayerName(const std::string& layer, const std::string& blob, int blob_idx) {
  std::ostringstream s;
  s << blob << "_" << layer << "_" << blob_idx << "_split";
  return s.str();
}

std::string SplitBlobName(const std::string& layer, const std::string& blob, int blob_idx, int split_idx) {
  std::ostringstream s;
  s << SplitLayerName(layer, blob, blob_idx) << "_" << split_idx;
  return s.str();
}

NetParameter InsertSplits(const NetParameter& param) {
  using TopIdx = std::pair<int, int>;  // (layer, top index)
  const int num_layers = param.layer_size();

  // Pass 1: which top each bottom reads, and how many readers each top has.
  std::map<std::string, TopIdx> last_writer;
  std::vector<std::string> produced;  // the names in last_writer, in the order they appeared
  std::vector<std::vector<TopIdx>> source(num_layers);
  std::map<TopIdx, int> readers;
  std::map<TopIdx, float> loss_weight;
  for (int i = 0; i < num_layers; ++i) {
    const LayerParameter& lp = param.layer(i);
    for (int j = 0; j < lp.bottom_size(); ++j) {
      auto it = last_writer.find(lp.bottom(j));
      if (it == last_writer.end()) {
        // Ties go to the blob produced last: a typo most likely means a neighbour.
        std::vector<std::string> known(produced.rbegin(), produced.rend());
        const std::string match = ClosestMatch(lp.bottom(j), known);
        CNN_THROW("layer '" << lp.name() << "': unknown bottom blob '" << lp.bottom(j)
                            << "' (no earlier layer produces it" << (match.empty() ? "" : "; did you mean '" + match + "'?")
                            << ")");
      }
      source[i].push_back(it->second);
      ++readers[it->second];
    }
    for (int j = 0; j < lp.top_size(); ++j) {
      if (last_writer.count(lp.top(j)) == 0) produced.push_back(lp.top(j));
      last_writer[lp.top(j)] = TopIdx(i, j);
    }
    // A weighted loss top is read by the objective: one more consumer.
    for (int j = 0; j < std::min(lp.loss_weight_size(), lp.top_size()); ++j) {
      if (lp.loss_weight(j) == 0.f) continue;
      loss_weight[TopIdx(i, j)] = lp.loss_weight(j);
      ++readers[TopIdx(i, j)];
    }
  }

  // Pass 2: copy the layers, rewire split readers, and add the Split layers.
  NetParameter out(param);
  out.clear_layer();
  std::map<TopIdx, int> next_split;
  for (int i = 0; i < num_layers; ++i) {
    const LayerParameter& orig = param.layer(i);
    LayerParameter* lp = out.add_layer();
    *lp = orig;
    for (int j = 0; j < lp->bottom_size(); ++j) {
      const TopIdx& src = source[i][j];
      if (readers[src] <= 1) continue;
      const LayerParameter& producer = param.layer(src.first);
      lp->set_bottom(j,
                     SplitBlobName(producer.name(), producer.top(src.second), src.second, next_split[src]++));
    }
    for (int j = 0; j < lp->top_size(); ++j) {
      // Split tops alias their bottom's values, so a layer overwriting one in
      // place would change what the other readers see (Caffe rejects this too).
      const bool in_place = j < orig.bottom_size() && orig.bottom(j) == orig.top(j);
      CNN_CHECK(!in_place || readers[source[i][j]] <= 1,
                "layer '" << orig.name() << "': cannot work in place on blob '" << orig.top(j)
                          << "' because other layers also read it; give its top a new name");
      const TopIdx idx(i, j);
      const int count = readers[idx];
      if (count <= 1) continue;
      LayerParameter* split = out.add_layer();
      split->set_name(SplitLayerName(orig.name(), orig.top(j), j));
      split->set_type("Split");
      split->add_bottom(lp->top(j));
      const auto lw = loss_weight.find(idx);
      for (int k = 0; k < count; ++k) {
        split->add_top(SplitBlobName(orig.name(), orig.top(j), j, k));
        if (lw != loss_weight.end()) split->add_loss_weight(k == 0 ? lw->second : 0.f);
      }
      if (lw != loss_weight.end()) {
        // The split's first top now carries the loss; the producer's own top
        // must not count it a second time.
        lp->set_loss_weight(j, 0.f);
        ++next_split[idx];
      }
    }
  }
  return out;
}

}  // namespace cnn
