#include "cnn/eval/confusion_matrix.hpp"

#include <cmath>
#include <cstdio>

#include "cnn/core/common.hpp"

namespace cnn {

ConfusionMatrix::ConfusionMatrix(int num_classes)
    : num_classes_(num_classes),
      counts_(static_cast<size_t>(num_classes) * num_classes, 0),
      unscored_(static_cast<size_t>(num_classes), 0) {
  CNN_CHECK(num_classes > 0, "a confusion matrix needs at least one class");
}

void ConfusionMatrix::Add(const Blob& scores, const Blob& labels, int axis, bool has_ignore, int ignore_label) {
  axis = scores.CanonicalAxisIndex(axis);
  const int classes = scores.shape(axis);
  CNN_CHECK(classes == num_classes_, "scores have " << classes << " classes, the matrix " << num_classes_);
  const int outer = scores.count(0, axis);
  const int inner = scores.count(axis + 1);
  CNN_CHECK(labels.count() == outer * inner, "labels hold " << labels.count() << " values for " << outer * inner
                                                            << " predictions (scores " << scores.shape_string() << ")");
  const float* s = scores.cpu_data();
  const float* l = labels.cpu_data();
  for (int i = 0; i < outer; ++i) {
    for (int j = 0; j < inner; ++j) {
      const int truth = static_cast<int>(l[i * inner + j]);
      if (has_ignore && truth == ignore_label) continue;
      CNN_CHECK(truth >= 0 && truth < classes, "label " << truth << " outside [0, " << classes << ")");
      // Without this, NaN scores (diverged weights) would all "predict"
      // class 0 and the table would credit that class.
      int best = 0;
      bool has_nan = false;
      float best_score = s[(i * classes) * inner + j];
      for (int c = 0; c < classes; ++c) {
        const float v = s[(i * classes + c) * inner + j];
        has_nan = has_nan || std::isnan(v);
        if (v > best_score) {
          best_score = v;
          best = c;
        }
      }
      if (has_nan) {
        ++unscored_[truth];
      } else {
        ++counts_[truth * num_classes_ + best];
      }
    }
  }
}

long long ConfusionMatrix::total() const {
  long long t = 0;
  for (long long c : counts_) t += c;
  for (long long c : unscored_) t += c;
  return t;
}

double ConfusionMatrix::accuracy() const {
  long long right = 0;
  for (int c = 0; c < num_classes_; ++c) right += count(c, c);
  const long long t = total();
  return t ? static_cast<double>(right) / t : 0.0;
}

double ConfusionMatrix::precision(int c) const {
  long long predicted = 0;
  for (int t = 0; t < num_classes_; ++t) predicted += count(t, c);
  return predicted ? static_cast<double>(count(c, c)) / predicted : 0.0;
}

double ConfusionMatrix::recall(int c) const {
  long long actual = unscored_[c];
  for (int p = 0; p < num_classes_; ++p) actual += count(c, p);
  return actual ? static_cast<double>(count(c, c)) / actual : 0.0;
}

void ConfusionMatrix::Print(std::ostream& out) const {
  char line[160];
  out << "Per-class results (" << total() << " examples, accuracy " << accuracy() << "):\n";
  out << "  class  precision  recall  support\n";
  for (int c = 0; c < num_classes_; ++c) {
    long long support = unscored_[c];
    for (int p = 0; p < num_classes_; ++p) support += count(c, p);
    std::snprintf(line, sizeof line, "  %5d  %9.4f  %6.4f  %7lld\n", c, precision(c), recall(c), support);
    out << line;
  }
  out << "Confusion matrix (rows: true class, columns: predicted class):\n      ";
  for (int p = 0; p < num_classes_; ++p) {
    std::snprintf(line, sizeof line, " %6d", p);
    out << line;
  }
  out << "\n";
  for (int t = 0; t < num_classes_; ++t) {
    std::snprintf(line, sizeof line, "  %3d:", t);
    out << line;
    for (int p = 0; p < num_classes_; ++p) {
      std::snprintf(line, sizeof line, " %6lld", count(t, p));
      out << line;
    }
    out << "\n";
  }
  long long nan_rows = 0;
  for (long long c : unscored_) nan_rows += c;
  if (nan_rows > 0) out << nan_rows << " example(s) had NaN scores: no predicted class, counted as wrong\n";
}

}  // namespace cnn
