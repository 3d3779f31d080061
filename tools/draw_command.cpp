// `cnn draw --model=NET --out=net.svg|png|dot`: the layer graph in Graphviz's
// DOT language, rendered by Debian's `dot` program for .svg and .png. Layers
// are boxes (name, type, top shape), blobs are the edges between them; a
// layer that writes its bottom in place is drawn dashed and its edge says
// so. The Split layers the net inserts itself are left out, so the drawing
// shows the prototxt's layers.
#include <gflags/gflags.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <algorithm>
#include <sstream>
#include <string>
#include <vector>

#include "cnn/core/common.hpp"
#include "cnn/net/net.hpp"
#include "commands.hpp"
#include "inspect_net.hpp"
#include "run_program.hpp"

DEFINE_string(rankdir, "TB", "cnn draw: the direction of the graph, TB (top to bottom), LR, BT or RL.");

namespace cnn {
namespace tool {
namespace {

std::string Quoted(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '\n') {
      out += "\\n";  // DOT's line break inside a label
      continue;
    }
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string ShapeText(const Blob& b) {
  if (b.num_axes() == 0) return "scalar";
  std::string s;
  for (int d : b.shape()) s += (s.empty() ? "" : "x") + std::to_string(d);
  return s;
}

bool EndsWith(const std::string& s, const std::string& end) {
  return s.size() >= end.size() && s.compare(s.size() - end.size(), end.size(), end) == 0;
}

std::string NetToDot(const Net& net, const std::string& rankdir) {
  std::ostringstream dot;
  dot << "digraph " << Quoted(net.name().empty() ? "net" : net.name()) << " {\n";
  dot << "  rankdir=" << rankdir << ";\n";
  dot << "  node [shape=box, style=\"rounded,filled\", fillcolor=\"#eef3fb\", fontname=\"Helvetica\", fontsize=10];\n";
  dot << "  edge [fontname=\"Helvetica\", fontsize=9];\n";
  std::map<const Blob*, std::string> producer;  // blob -> node that last wrote it
  std::map<const Blob*, std::string> alias;     // a Split's copies -> the blob they copy
  std::map<const Blob*, std::string> names;
  for (size_t b = 0; b < net.blobs().size(); ++b) names[net.blobs()[b].get()] = net.blob_names()[b];
  int input_nodes = 0;
  auto source_of = [&](const Blob* b) {
    auto it = producer.find(b);
    if (it != producer.end()) return it->second;
    // A net input: its own node, drawn once.
    const std::string node = "input_" + std::to_string(input_nodes++);
    dot << "  " << node << " [shape=ellipse, style=filled, fillcolor=\"#fdf3d8\", label="
        << Quoted(names[b] + "\n" + ShapeText(*b)) << "];\n";
    producer[b] = node;
    return node;
  };
  for (size_t i = 0; i < net.layers().size(); ++i) {
    const Layer& layer = *net.layers()[i];
    const BlobVec& bottom = net.bottom_vecs()[i];
    const BlobVec& top = net.top_vecs()[i];
    const std::string& name = net.layer_names()[i];
    // insert_splits names its layers BLOB_LAYER_INDEX_split.
    if (std::string(layer.type()) == "Split" && EndsWith(name, "_split") && bottom.size() == 1) {
      const std::string from = source_of(bottom[0]);
      for (const Blob* t : top) {
        producer[t] = from;
        alias[t] = alias.count(bottom[0]) ? alias[bottom[0]] : names[bottom[0]];
      }
      continue;
    }
    bool in_place = false;
    for (const Blob* t : top) {
      for (const Blob* b : bottom) in_place = in_place || t == b;
    }
    std::string shapes;
    for (const Blob* t : top) shapes += (shapes.empty() ? "" : ", ") + ShapeText(*t);
    const std::string node = "layer_" + std::to_string(i);
    dot << "  " << node << " [label=" << Quoted(name + "\n" + layer.type() + (shapes.empty() ? "" : "\n" + shapes))
        << (in_place ? ", style=\"rounded,filled,dashed\", fillcolor=\"#f4f4f4\"" : "") << "];\n";
    for (const Blob* b : bottom) {
      const std::string from = source_of(b);
      const std::string blob = alias.count(b) ? alias[b] : names[b];
      const bool same = std::find(top.begin(), top.end(), b) != top.end();
      dot << "  " << from << " -> " << node << " [label=" << Quoted(same ? blob + " (in place)" : blob)
          << (same ? ", style=dashed" : "") << "];\n";
    }
    for (const Blob* t : top) {
      producer[t] = node;
      alias.erase(t);
    }
  }
  // The net's outputs end in a node of their own, so they read as results.
  int output_nodes = 0;
  for (const Blob* b : net.output_blobs()) {
    const std::string node = "output_" + std::to_string(output_nodes++);
    dot << "  " << node << " [shape=ellipse, style=filled, fillcolor=\"#e3f4e1\", label="
        << Quoted(names[b] + "\n" + ShapeText(*b)) << "];\n";
    dot << "  " << source_of(b) << " -> " << node << ";\n";
  }
  dot << "}\n";
  return dot.str();
}

}  // namespace

int DrawCommand(const std::vector<std::string>& args) {
  ExpectNoArguments("draw", args);
  CNN_CHECK(!FLAGS_model.empty(), "cnn draw needs --model=NET.prototxt");
  CNN_CHECK(!FLAGS_out.empty(), "cnn draw needs --out=FILE.svg (or .png, .dot)");
  const std::string& out = FLAGS_out;
  std::string format;
  if (EndsWith(out, ".svg")) {
    format = "svg";
  } else if (EndsWith(out, ".png")) {
    format = "png";
  } else if (EndsWith(out, ".dot") || EndsWith(out, ".gv")) {
    format = "dot";
  }
  CNN_CHECK(!format.empty(), "--out must end in .svg, .png or .dot, got '" << out << "'");
  CNN_CHECK(FLAGS_rankdir == "TB" || FLAGS_rankdir == "LR" || FLAGS_rankdir == "BT" || FLAGS_rankdir == "RL",
            "--rankdir must be TB, LR, BT or RL, got '" << FLAGS_rankdir << "'");
  Phase phase = TEST;
  const std::unique_ptr<Net> net = BuildNetToInspect(&phase);
  const std::string dot = NetToDot(*net, FLAGS_rankdir);
  const std::string dot_file = format == "dot" ? out : out + ".dot.tmp";
  {
    std::ofstream f(dot_file);
    CNN_CHECK(f.good(), "cannot write '" << dot_file << "'");
    f << dot;
    f.close();
    CNN_CHECK(f.good(), "writing '" << dot_file << "' failed");
  }
  if (format == "dot") return 0;
  const int status = RunProgram({"dot", "-T" + format, dot_file, "-o", out});
  std::remove(dot_file.c_str());
  CNN_CHECK(status != 127, "cannot run Graphviz's `dot` for " << out
                                                             << " (Debian: apt-get install graphviz), or write --out=FILE.dot");
  CNN_CHECK(status == 0, "Graphviz's `dot` failed (status " << status << ") rendering " << out);
  return 0;
}

}  // namespace tool
}  // namespace cnn
