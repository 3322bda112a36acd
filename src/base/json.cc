#include "base/json.h"

#include <set>
#include <string>
#include <vector>

#include "base/text.h"

namespace scitt {

Result<nlohmann::json> ParseStrictJson(ByteView bytes, int max_depth) {
  using nlohmann::json;
  std::vector<std::set<std::string>> keys;  // one set per open object
  std::string problem;
  // nlohmann gives a container's start event the number of containers
  // around it: `max_depth` levels means depths 0 to max_depth - 1.
  json::parser_callback_t check = [&](int depth, json::parse_event_t event, json& parsed) {
    if (!problem.empty()) return false;
    if (depth >= max_depth) {
      problem = "nested deeper than " + std::to_string(max_depth) + " levels";
      return false;
    }
    switch (event) {
      case json::parse_event_t::object_start: keys.emplace_back(); break;
      case json::parse_event_t::object_end: keys.pop_back(); break;
      case json::parse_event_t::key:
        if (!keys.empty() && !keys.back().insert(parsed.get<std::string>()).second) {
          problem = "the key \"" + ToValidUtf8(parsed.get<std::string>()).substr(0, 100) +
                    "\" appears twice in one object";
          return false;
        }
        break;
      default: break;
    }
    return true;
  };
  const std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  json parsed = json::parse(text, check, /*allow_exceptions=*/false);
  if (!problem.empty()) return MakeError(ErrorCode::kMalformed, problem);
  if (parsed.is_discarded()) return MakeError(ErrorCode::kMalformed, "not valid JSON");
  return parsed;
}

}  // namespace scitt
