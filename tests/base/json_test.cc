#include "base/json.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace scitt {
namespace {

using nlohmann::json;

ByteView Bytes(const std::string& text) { return AsBytes(text); }

TEST(OutlineStrictJson, LeavesOutTheTopLevelArrays) {
  auto outline = OutlineStrictJson(
      Bytes(R"({"b": [1, {"x": [2]}], "a": {"inner": [3]}, "c": "text", "d": null, "e": []})"), 64);
  ASSERT_TRUE(outline.ok()) << outline.error().message;
  EXPECT_EQ(outline->value, json::parse(R"({"b": [], "a": {"inner": [3]}, "c": "text", "d": null, "e": []})"));
  EXPECT_EQ(outline->keys, (std::vector<std::string>{"b", "a", "c", "d", "e"}));
  // A document that is not an object is kept whole.
  auto array = OutlineStrictJson(Bytes(R"([[1], {"k": [2]}])"), 64);
  ASSERT_TRUE(array.ok());
  EXPECT_EQ(array->value, json::parse(R"([[1], {"k": [2]}])"));
  EXPECT_TRUE(array->keys.empty());
}

TEST(OutlineStrictJson, ChecksWhatItLeavesOut) {
  // The same checks and messages as ParseStrictJson, in the arrays too.
  for (const auto& [text, message] : std::vector<std::pair<std::string, std::string>>{
           {R"({"a": [{"k": 1, "k": 2}]})", "the key \"k\" appears twice in one object"},
           {R"({"a": [[[1]]]})", "nested deeper than 3 levels"},
           {R"({"a": [1,]})", "not valid JSON"},
           {R"({"a": []} x)", "not valid JSON"}}) {
    SCOPED_TRACE(text);
    auto outline = OutlineStrictJson(Bytes(text), 3);
    ASSERT_FALSE(outline.ok());
    EXPECT_EQ(outline.error().code, ErrorCode::kMalformed);
    EXPECT_EQ(outline.error().message, message);
    auto parsed = ParseStrictJson(Bytes(text), 3);
    ASSERT_FALSE(parsed.ok());
    EXPECT_EQ(parsed.error().message, message);
  }
}

// Records what ForEachTopLevelElement hands over; stops at `stop_at`.
class Recorder : public TopLevelElementVisitor {
 public:
  bool Wants(const std::string& key) override { return key != "skipped"; }
  bool Element(const std::string& key, size_t index, json element) override {
    seen.push_back(key + "[" + std::to_string(index) + "]=" + element.dump());
    return seen.size() != stop_at;
  }
  bool End(const std::string& key) override {
    seen.push_back("end " + key);
    return true;
  }

  std::vector<std::string> seen;
  size_t stop_at = 0;
};

TEST(ForEachTopLevelElement, HandsOverEachElementInOrder) {
  const std::string text =
      R"({"b": [1, "two", null, {"x": [3, {"y": true}]}, [4, [5]], 6.5],
          "skipped": [{"z": 1}], "o": {"b": [7]}, "a": []})";
  Recorder recorder;
  EXPECT_TRUE(ForEachTopLevelElement(Bytes(text), recorder));
  EXPECT_EQ(recorder.seen, (std::vector<std::string>{
                               R"(b[0]=1)", R"(b[1]="two")", R"(b[2]=null)",
                               R"(b[3]={"x":[3,{"y":true}]})", R"(b[4]=[4,[5]])", R"(b[5]=6.5)",
                               "end b", "end a"}));
  Recorder stopping;
  stopping.stop_at = 2;
  EXPECT_FALSE(ForEachTopLevelElement(Bytes(text), stopping));
  EXPECT_EQ(stopping.seen.size(), 2u);
  // A top-level array has no members: nothing to hand over.
  Recorder none;
  EXPECT_TRUE(ForEachTopLevelElement(Bytes("[[1], [2]]"), none));
  EXPECT_TRUE(none.seen.empty());
}

}  // namespace
}  // namespace scitt
