#include <google/protobuf/text_format.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "cnn/core/common.hpp"
#include "cnn/net/state_rules.hpp"

namespace cnn {
namespace {

template <typename Message>
Message Parse(const std::string& text) {
  Message m;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &m)) << text;
  return m;
}

bool Meets(const std::string& state, const std::string& rule) {
  return StateMeetsRule(Parse<NetState>(state), Parse<NetStateRule>(rule), "layer");
}

std::vector<std::string> LayerNames(const NetParameter& p) {
  std::vector<std::string> names;
  for (const auto& l : p.layer()) names.push_back(l.name());
  return names;
}

const char* kNet = R"(
  name: 'rules'
  layer { name: 'always' type: 'Input' top: 'a' }
  layer { name: 'train_only' type: 'Input' top: 'b' include { phase: TRAIN } }
  layer { name: 'test_only' type: 'Input' top: 'c' include { phase: TEST } }
  layer { name: 'not_test' type: 'Input' top: 'd' exclude { phase: TEST } }
  layer { name: 'deep' type: 'Input' top: 'e' include { min_level: 2 } }
  layer { name: 'train_or_stage' type: 'Input' top: 'f' include { phase: TRAIN } include { stage: 'deploy' } }
)";

TEST(StateRules, PhaseMustMatchWhenGiven) {
  EXPECT_TRUE(Meets("phase: TRAIN", "phase: TRAIN"));
  EXPECT_FALSE(Meets("phase: TRAIN", "phase: TEST"));
  EXPECT_FALSE(Meets("", "phase: TRAIN"));  // state phase defaults to TEST
  EXPECT_TRUE(Meets("", "phase: TEST"));
  EXPECT_TRUE(Meets("phase: TRAIN", ""));  // an empty rule always holds
}

TEST(StateRules, LevelWithinMinAndMax) {
  EXPECT_FALSE(Meets("level: 1", "min_level: 2"));
  EXPECT_TRUE(Meets("level: 2", "min_level: 2"));
  EXPECT_TRUE(Meets("level: 3", "max_level: 3"));
  EXPECT_FALSE(Meets("level: 4", "max_level: 3"));
  EXPECT_TRUE(Meets("level: 2", "min_level: 1 max_level: 3"));
  EXPECT_FALSE(Meets("level: -1", "min_level: 0"));
  EXPECT_TRUE(Meets("", "min_level: 0"));  // level defaults to 0
}

TEST(StateRules, AllStagesRequired) {
  EXPECT_FALSE(Meets("stage: 'a'", "stage: 'a' stage: 'b'"));
  EXPECT_TRUE(Meets("stage: 'b' stage: 'c' stage: 'a'", "stage: 'a' stage: 'b'"));
  EXPECT_FALSE(Meets("", "stage: 'a'"));
}

TEST(StateRules, NoNotStageAllowed) {
  EXPECT_TRUE(Meets("stage: 'a'", "not_stage: 'b'"));
  EXPECT_FALSE(Meets("stage: 'a' stage: 'b'", "not_stage: 'b'"));
  EXPECT_FALSE(Meets("stage: 'a'", "stage: 'a' not_stage: 'a'"));
  EXPECT_TRUE(Meets("", "not_stage: 'a' not_stage: 'b'"));
}

TEST(StateRules, EveryConditionMustHold) {
  const std::string rule = "phase: TRAIN min_level: 1 stage: 's'";
  EXPECT_TRUE(Meets("phase: TRAIN level: 1 stage: 's'", rule));
  EXPECT_FALSE(Meets("phase: TEST level: 1 stage: 's'", rule));
  EXPECT_FALSE(Meets("phase: TRAIN level: 0 stage: 's'", rule));
  EXPECT_FALSE(Meets("phase: TRAIN level: 1", rule));
}

TEST(FilterNet, DefaultStateIsTestPhase) {
  const NetParameter filtered = FilterNet(Parse<NetParameter>(kNet));
  EXPECT_EQ(LayerNames(filtered), (std::vector<std::string>{"always", "test_only"}));
}

TEST(FilterNet, TrainPhase) {
  NetParameter net = Parse<NetParameter>(kNet);
  net.mutable_state()->set_phase(TRAIN);
  EXPECT_EQ(LayerNames(FilterNet(net)),
            (std::vector<std::string>{"always", "train_only", "not_test", "train_or_stage"}));
}

TEST(FilterNet, AnyIncludeRuleKeepsTheLayer) {
  NetParameter net = Parse<NetParameter>(kNet);
  net.mutable_state()->set_phase(TEST);
  net.mutable_state()->add_stage("deploy");
  net.mutable_state()->set_level(2);
  EXPECT_EQ(LayerNames(FilterNet(net)),
            (std::vector<std::string>{"always", "test_only", "deep", "train_or_stage"}));
}

TEST(FilterNet, KeepsNetFieldsAndLayerContents) {
  NetParameter net = Parse<NetParameter>(kNet);
  net.set_force_backward(true);
  const NetParameter filtered = FilterNet(net);
  EXPECT_EQ(filtered.name(), "rules");
  EXPECT_TRUE(filtered.force_backward());
  ASSERT_EQ(filtered.layer_size(), 2);
  EXPECT_EQ(filtered.layer(1).top(0), "c");
  EXPECT_EQ(filtered.layer(1).include_size(), 1);
}

TEST(FilterNet, IncludeAndExcludeTogetherIsAnError) {
  NetParameter net = Parse<NetParameter>(kNet);
  *net.add_layer() = Parse<LayerParameter>(
      "name: 'confused' type: 'Input' top: 'g' include { phase: TRAIN } exclude { phase: TEST }");
  try {
    FilterNet(net);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("layer 'confused'"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("include and exclude"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace cnn
