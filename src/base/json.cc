#include "base/json.h"

#include <set>
#include <string>
#include <vector>

#include "base/text.h"

namespace scitt {
namespace {

using nlohmann::json;

// nlohmann's DOM builder, with the two checks added as the events come.
// Not json::parse with a parser callback: its callback builder scans the
// enclosing container at every object's end (json_sax_dom_callback_parser::
// end_object in 3.11.2), so an array of n objects cost O(n²): a 20 MB SBOM
// took 8 s to parse, a 111 MB one four minutes.
class StrictSax {
 public:
  StrictSax(json& out, int max_depth) : dom_(out, /*allow_exceptions=*/false), max_depth_(max_depth) {}

  bool null() { return dom_.null(); }
  bool boolean(bool value) { return dom_.boolean(value); }
  bool number_integer(json::number_integer_t value) { return dom_.number_integer(value); }
  bool number_unsigned(json::number_unsigned_t value) { return dom_.number_unsigned(value); }
  bool number_float(json::number_float_t value, const std::string& text) { return dom_.number_float(value, text); }
  bool string(std::string& value) { return dom_.string(value); }
  bool binary(json::binary_t& value) { return dom_.binary(value); }
  bool start_object(std::size_t size) {
    if (!Open()) return false;
    keys_.emplace_back();
    return dom_.start_object(size);
  }
  bool key(std::string& key) {
    if (!keys_.back().insert(key).second) {
      problem_ = "the key \"" + ToValidUtf8(key).substr(0, 100) + "\" appears twice in one object";
      return false;
    }
    return dom_.key(key);
  }
  bool end_object() {
    keys_.pop_back();
    --open_;
    return dom_.end_object();
  }
  bool start_array(std::size_t size) { return Open() && dom_.start_array(size); }
  bool end_array() {
    --open_;
    return dom_.end_array();
  }
  bool parse_error(std::size_t position, const std::string& token, const nlohmann::detail::exception& error) {
    return dom_.parse_error(position, token, error);
  }

  const std::string& problem() const { return problem_; }

 private:
  // `max_depth` levels of containers: depths 0 to max_depth - 1.
  bool Open() {
    if (open_ >= max_depth_) {
      problem_ = "nested deeper than " + std::to_string(max_depth_) + " levels";
      return false;
    }
    ++open_;
    return true;
  }

  nlohmann::detail::json_sax_dom_parser<json> dom_;
  const int max_depth_;
  int open_ = 0;
  std::vector<std::set<std::string>> keys_;  // one set per open object
  std::string problem_;
};

}  // namespace

Result<nlohmann::json> ParseStrictJson(ByteView bytes, int max_depth) {
  json parsed;
  StrictSax sax(parsed, max_depth);
  const std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  const bool ok = json::sax_parse(text, &sax, json::input_format_t::json, /*strict=*/true);
  if (!sax.problem().empty()) return MakeError(ErrorCode::kMalformed, sax.problem());
  if (!ok) return MakeError(ErrorCode::kMalformed, "not valid JSON");
  return parsed;
}

}  // namespace scitt
