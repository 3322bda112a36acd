#include "base/logging.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace scitt::logging {
namespace {

TEST(Logging, TextLinesAreKeyValuePairs) {
  EXPECT_EQ(Render(Format::kText, "request", {{"method", "GET"}, {"status", 200}, {"path", "/a b"}}),
            "request method=GET status=200 path=\"/a b\"");
  EXPECT_EQ(Render(Format::kText, "x", {{"empty", ""}, {"eq", "a=b"}}), "x empty=\"\" eq=\"a=b\"");
}

TEST(Logging, JsonLinesAreValidJsonEvenForHostileText) {
  std::string line = Render(Format::kJson, "request",
                            {{"path", "/entries/\xFF\"\n"}, {"status", 404}, {"ms", 1.5}, {"ok", false}});
  auto doc = nlohmann::json::parse("{" + line + "}");  // throws on invalid JSON
  EXPECT_EQ(doc["msg"], "request");
  EXPECT_EQ(doc["path"], "/entries/\xEF\xBF\xBD\"\n");
  EXPECT_EQ(doc["status"], 404);
  EXPECT_EQ(doc["ms"], 1.5);
  EXPECT_EQ(doc["ok"], false);
}

TEST(Logging, ParsesLevelsAndFormats) {
  EXPECT_EQ(*ParseLevel("warn"), Level::kWarn);
  EXPECT_FALSE(ParseLevel("loud").ok());
  EXPECT_EQ(*ParseFormat("json"), Format::kJson);
  EXPECT_FALSE(ParseFormat("xml").ok());
  Configure(Level::kWarn, Format::kText);
  EXPECT_FALSE(Enabled(Level::kInfo));
  EXPECT_TRUE(Enabled(Level::kError));
  Configure(Level::kOff, Format::kText);
  EXPECT_FALSE(Enabled(Level::kError));
  Configure(Level::kInfo, Format::kText);
}

}  // namespace
}  // namespace scitt::logging
