// `cnn summary`: a table of what a net is (shapes, parameters, multiply-adds,
// memory, receptive fields; src/cnn/net/net_summary.hpp) built on the CPU
// without running a pass, as text, CSV or JSON.
#include <gflags/gflags.h>

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "cnn/core/common.hpp"
#include "cnn/io/json_text.hpp"
#include "cnn/io/proto_io.hpp"
#include "cnn/net/net.hpp"
#include "cnn/net/net_summary.hpp"
#include "commands.hpp"
#include "inspect_net.hpp"

DEFINE_string(format, "text", "cnn summary's output: text (a table), csv or json.");

namespace cnn {
namespace tool {
namespace {

std::string ShapeText(const std::vector<int>& shape) {
  if (shape.empty()) return "scalar";
  std::string s;
  for (int d : shape) s += (s.empty() ? "" : "x") + std::to_string(d);
  return s;
}

std::string TopsText(const LayerSummary& row) {
  std::string s;
  for (size_t t = 0; t < row.top_shapes.size(); ++t)
    s += (t ? ", " : "") + ShapeText(row.top_shapes[t]) + (row.top_in_place[t] ? "*" : "");
  return s.empty() ? "-" : s;
}

// 60965224 -> "60,965,224": parameter counts are read to the unit.
std::string Grouped(double value) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.0f", value);
  std::string digits = buf, out;
  const bool negative = !digits.empty() && digits[0] == '-';
  if (negative) digits.erase(0, 1);
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return (negative ? "-" : "") + out;
}

std::string Bytes(double bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int u = 0;
  while (bytes >= 1024 && u < 4) {
    bytes /= 1024;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", bytes, units[u]);
  return buf;
}

std::string Scaled(double v) {
  char buf[32];
  if (v >= 1e9) {
    std::snprintf(buf, sizeof buf, "%.2f G", v / 1e9);
  } else if (v >= 1e6) {
    std::snprintf(buf, sizeof buf, "%.2f M", v / 1e6);
  } else if (v >= 1e3) {
    std::snprintf(buf, sizeof buf, "%.2f K", v / 1e3);
  } else {
    std::snprintf(buf, sizeof buf, "%.0f", v);
  }
  return buf;
}

void PrintText(const NetSummary& s, const std::string& phase, std::ostream& out) {
  const std::vector<std::string> header = {"layer", "type", "top shape", "params", "frozen", "MACs/image",
                                           "top memory", "RF size", "RF jump", "RF start"};
  std::vector<std::vector<std::string>> rows;
  for (const auto& r : s.layers) {
    std::string params = r.params ? Grouped(static_cast<double>(r.params)) : "-";
    if (r.shared_params) params += " (+" + std::to_string(r.shared_params) + " shared)";
    rows.push_back({r.name, r.type, TopsText(r), params, r.params ? Grouped(static_cast<double>(r.frozen)) : "-",
                    r.macs > 0 ? Grouped(r.macs / s.batch) : "-", r.top_bytes ? Bytes(static_cast<double>(r.top_bytes)) : "-",
                    r.field.SizeText(), r.field.JumpText(), r.field.StartText()});
  }
  std::vector<size_t> width(header.size());
  for (size_t c = 0; c < header.size(); ++c) {
    width[c] = header[c].size();
    for (const auto& row : rows) width[c] = std::max(width[c], row[c].size());
  }
  // Text columns align left, numbers right.
  auto print_row = [&](const std::vector<std::string>& row) {
    std::string line;
    for (size_t c = 0; c < row.size(); ++c) {
      const std::string pad(width[c] - row[c].size(), ' ');
      const bool left = c < 3;
      line += (c ? "  " : "") + (left ? row[c] + pad : pad + row[c]);
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out << line << "\n";
  };
  out << "net \"" << s.name << "\", phase " << phase << ", batch " << s.batch << "\n\n";
  print_row(header);
  for (const auto& row : rows) print_row(row);
  out << "\n(* in place: the top is its bottom's blob. RF: receptive field of the first top on the input, per spatial "
         "axis: size and jump in input pixels, start = centre of the first value's field)\n\n";
  out << "parameters      " << Grouped(static_cast<double>(s.params)) << " (" << Grouped(static_cast<double>(s.params - s.frozen))
      << " trained, " << Grouped(static_cast<double>(s.frozen)) << " frozen by lr_mult: 0)\n";
  out << "multiply-adds   " << Scaled(s.macs_per_image) << " per image, " << Scaled(s.macs_per_batch)
      << " per batch of " << s.batch << " (forward; convolution, deconvolution, inner product, scale)\n";
  out << "training step   " << Bytes(static_cast<double>(s.train_step_bytes())) << " = weights "
      << Bytes(static_cast<double>(s.weight_bytes)) << " + gradients " << Bytes(static_cast<double>(s.gradient_bytes))
      << " + solver history " << Bytes(static_cast<double>(s.history_bytes)) << " (SGD; Adam twice that) + activations "
      << Bytes(static_cast<double>(s.activation_bytes)) << " + their gradients "
      << Bytes(static_cast<double>(s.activation_diff_bytes)) << "\n";
}

std::string CsvField(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

void PrintCsv(const NetSummary& s, std::ostream& out) {
  out << "layer,type,top_shapes,params,frozen,shared_params,macs_per_image,macs_per_batch,top_bytes,rf_size,rf_jump,"
         "rf_start\n";
  for (const auto& r : s.layers) {
    std::string tops;
    for (size_t t = 0; t < r.top_shapes.size(); ++t)
      tops += (t ? " " : "") + ShapeText(r.top_shapes[t]) + (r.top_in_place[t] ? "*" : "");
    out << CsvField(r.name) << "," << r.type << "," << tops << "," << r.params << "," << r.frozen << ","
        << r.shared_params << "," << JsonNumber(r.macs / s.batch) << "," << JsonNumber(r.macs) << "," << r.top_bytes
        << "," << r.field.SizeText() << "," << r.field.JumpText() << "," << r.field.StartText() << "\n";
  }
}

std::string JsonAxes(const ReceptiveField& f, double AxisField::*member) {
  std::string s = "[";
  for (size_t a = 0; a < f.axes.size(); ++a) s += (a ? "," : "") + JsonNumber(f.axes[a].*member);
  return s + "]";
}

void PrintJson(const NetSummary& s, const std::string& phase, std::ostream& out) {
  static const char* kKinds[] = {"none", "known", "whole", "unknown"};
  out << "{\"net\":" << JsonString(s.name) << ",\"phase\":" << JsonString(phase) << ",\"batch\":" << s.batch
      << ",\"layers\":[";
  for (size_t i = 0; i < s.layers.size(); ++i) {
    const auto& r = s.layers[i];
    out << (i ? ",\n" : "\n") << "{\"name\":" << JsonString(r.name) << ",\"type\":" << JsonString(r.type)
        << ",\"tops\":[";
    for (size_t t = 0; t < r.top_shapes.size(); ++t) {
      out << (t ? "," : "") << "{\"shape\":[";
      for (size_t d = 0; d < r.top_shapes[t].size(); ++d) out << (d ? "," : "") << r.top_shapes[t][d];
      out << "],\"in_place\":" << (r.top_in_place[t] ? "true" : "false") << "}";
    }
    out << "],\"params\":" << r.params << ",\"frozen\":" << r.frozen << ",\"shared_params\":" << r.shared_params
        << ",\"macs_per_image\":" << JsonNumber(r.macs / s.batch) << ",\"macs_per_batch\":" << JsonNumber(r.macs)
        << ",\"top_bytes\":" << r.top_bytes << ",\"receptive_field\":{\"kind\":\"" << kKinds[r.field.kind] << "\"";
    if (r.field.kind == ReceptiveField::KNOWN) {
      out << ",\"size\":" << JsonAxes(r.field, &AxisField::size) << ",\"jump\":" << JsonAxes(r.field, &AxisField::jump)
          << ",\"start\":" << JsonAxes(r.field, &AxisField::start);
    }
    out << "}}";
  }
  out << "\n],\"totals\":{\"params\":" << s.params << ",\"frozen\":" << s.frozen
      << ",\"macs_per_image\":" << JsonNumber(s.macs_per_image) << ",\"macs_per_batch\":" << JsonNumber(s.macs_per_batch)
      << ",\"weight_bytes\":" << s.weight_bytes << ",\"gradient_bytes\":" << s.gradient_bytes
      << ",\"history_bytes\":" << s.history_bytes << ",\"activation_bytes\":" << s.activation_bytes
      << ",\"activation_diff_bytes\":" << s.activation_diff_bytes << ",\"train_step_bytes\":" << s.train_step_bytes()
      << "}}\n";
}

}  // namespace

int SummaryCommand(const std::vector<std::string>& args) {
  ExpectNoArguments("summary", args);
  CNN_CHECK(!FLAGS_model.empty(), "cnn summary needs --model=NET.prototxt");
  CNN_CHECK(FLAGS_format == "text" || FLAGS_format == "csv" || FLAGS_format == "json",
            "--format must be text, csv or json, got '" << FLAGS_format << "'");
  Phase phase = TEST;
  const std::unique_ptr<Net> built = BuildNetToInspect(&phase);
  const Net& net = *built;
  for (const auto& w : SplitList(FLAGS_weights)) built->CopyTrainedLayersFromFile(w);
  const NetSummary s = SummarizeNet(net);
  const std::string phase_name = phase == TRAIN ? "TRAIN" : "TEST";
  if (FLAGS_format == "json") {
    PrintJson(s, phase_name, std::cout);
  } else if (FLAGS_format == "csv") {
    PrintCsv(s, std::cout);
  } else {
    PrintText(s, phase_name, std::cout);
  }
  return 0;
}

}  // namespace tool
}  // namespace cnn
