// Counts (true class, predicted class) pairs from a classifier's scores, and
// derives per-class precision and recall: the numbers that show a weak class
// an overall accuracy hides.
#pragma once

#include <ostream>
#include <vector>

#include "cnn/core/blob.hpp"

namespace cnn {

class ConfusionMatrix {
 public:
  explicit ConfusionMatrix(int num_classes);

  // scores: N x C x (spatial...) along `axis`; labels: the matching
  // N x (spatial...) class indices. Positions labelled `ignore_label` are
  // skipped (pass has_ignore=false to count everything). Throws Error on a
  // label outside [0, C). A prediction with a NaN among its scores has no
  // predicted class: it is counted as unscored, and wrong.
  void Add(const Blob& scores, const Blob& labels, int axis = 1, bool has_ignore = false, int ignore_label = -1);

  int num_classes() const { return num_classes_; }
  long long count(int truth, int predicted) const { return counts_[truth * num_classes_ + predicted]; }
  // Examples of class `truth` whose scores held a NaN.
  long long unscored(int truth) const { return unscored_[truth]; }
  long long total() const;  // every example, unscored ones included
  double accuracy() const;
  double precision(int c) const;  // of the examples predicted c, the share that are c
  double recall(int c) const;     // of the examples that are c, the share predicted c

  // A per-class table (precision, recall, support) followed by the matrix.
  void Print(std::ostream& out) const;

 private:
  int num_classes_;
  std::vector<long long> counts_;
  std::vector<long long> unscored_;
};

}  // namespace cnn
