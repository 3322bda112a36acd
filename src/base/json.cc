#include "base/json.h"

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "base/text.h"

namespace scitt {
namespace {

using nlohmann::json;

using DomBuilder = nlohmann::detail::json_sax_dom_parser<json>;

// A SAX handler (`inner`: nlohmann's DOM builder, or OutlineBuilder), with
// the two checks added as the events come.
// Not json::parse with a parser callback: its callback builder scans the
// enclosing container at every object's end (json_sax_dom_callback_parser::
// end_object in 3.11.2), so an array of n objects cost O(n²): a 20 MB SBOM
// took 8 s to parse, a 111 MB one four minutes.
template <typename Inner>
class StrictSax {
 public:
  StrictSax(Inner& inner, int max_depth) : inner_(inner), max_depth_(max_depth) {}

  bool null() { return inner_.null(); }
  bool boolean(bool value) { return inner_.boolean(value); }
  bool number_integer(json::number_integer_t value) { return inner_.number_integer(value); }
  bool number_unsigned(json::number_unsigned_t value) { return inner_.number_unsigned(value); }
  bool number_float(json::number_float_t value, const std::string& text) { return inner_.number_float(value, text); }
  bool string(std::string& value) { return inner_.string(value); }
  bool binary(json::binary_t& value) { return inner_.binary(value); }
  bool start_object(std::size_t size) {
    if (!Open()) return false;
    keys_.emplace_back();
    return inner_.start_object(size);
  }
  bool key(std::string& key) {
    if (!keys_.back().insert(key).second) {
      problem_ = "the key \"" + ToValidUtf8(key).substr(0, 100) + "\" appears twice in one object";
      return false;
    }
    return inner_.key(key);
  }
  bool end_object() {
    keys_.pop_back();
    --open_;
    return inner_.end_object();
  }
  bool start_array(std::size_t size) { return Open() && inner_.start_array(size); }
  bool end_array() {
    --open_;
    return inner_.end_array();
  }
  bool parse_error(std::size_t position, const std::string& token, const nlohmann::detail::exception& error) {
    return inner_.parse_error(position, token, error);
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

  Inner& inner_;
  const int max_depth_;
  int open_ = 0;
  std::vector<std::set<std::string>> keys_;  // one set per open object
  std::string problem_;
};

template <typename Inner>
Status ParseWith(ByteView bytes, int max_depth, Inner& inner) {
  StrictSax<Inner> sax(inner, max_depth);
  const std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  const bool ok = json::sax_parse(text, &sax, json::input_format_t::json, /*strict=*/true);
  if (!sax.problem().empty()) return MakeError(ErrorCode::kMalformed, sax.problem());
  if (!ok) return MakeError(ErrorCode::kMalformed, "not valid JSON");
  return Status::Ok();
}

// Builds a JsonOutline: the DOM builder's events, less those inside an
// array that is a top-level member's value (which stays, empty).
class OutlineBuilder {
 public:
  explicit OutlineBuilder(JsonOutline& out) : out_(out), dom_(out.value, /*allow_exceptions=*/false) {}

  bool null() { return skipped_ > 0 || dom_.null(); }
  bool boolean(bool value) { return skipped_ > 0 || dom_.boolean(value); }
  bool number_integer(json::number_integer_t value) { return skipped_ > 0 || dom_.number_integer(value); }
  bool number_unsigned(json::number_unsigned_t value) { return skipped_ > 0 || dom_.number_unsigned(value); }
  bool number_float(json::number_float_t value, const std::string& text) {
    return skipped_ > 0 || dom_.number_float(value, text);
  }
  bool string(std::string& value) { return skipped_ > 0 || dom_.string(value); }
  bool binary(json::binary_t& value) { return skipped_ > 0 || dom_.binary(value); }
  bool start_object(std::size_t size) {
    if (skipped_ > 0) return Skip();
    if (open_++ == 0) top_is_object_ = true;
    return dom_.start_object(size);
  }
  bool key(std::string& key) {
    if (skipped_ > 0) return true;
    if (open_ == 1) out_.keys.push_back(key);
    return dom_.key(key);
  }
  bool end_object() {
    if (skipped_ > 0) {
      --skipped_;
      return true;
    }
    --open_;
    return dom_.end_object();
  }
  bool start_array(std::size_t size) {
    if (skipped_ > 0) return Skip();
    if (open_ == 1 && top_is_object_) {
      skipped_ = 1;
      return dom_.start_array(0);
    }
    ++open_;
    return dom_.start_array(size);
  }
  bool end_array() {
    if (skipped_ > 0) return --skipped_ > 0 || dom_.end_array();  // at 0: the member's []
    --open_;
    return dom_.end_array();
  }
  bool parse_error(std::size_t position, const std::string& token, const nlohmann::detail::exception& error) {
    return dom_.parse_error(position, token, error);
  }

 private:
  bool Skip() {
    ++skipped_;
    return true;
  }

  JsonOutline& out_;
  DomBuilder dom_;
  int open_ = 0;     // containers open in the outline
  int skipped_ = 0;  // the array being left out and the containers open in it
  bool top_is_object_ = false;
};

// ForEachTopLevelElement's handler: builds each element of a wanted array
// with a DOM builder of its own, hands it over and starts the next afresh.
class ElementReader {
 public:
  explicit ElementReader(TopLevelElementVisitor& visitor) : visitor_(visitor) {}

  bool null() { return Value([&](DomBuilder& dom) { return dom.null(); }); }
  bool boolean(bool value) { return Value([&](DomBuilder& dom) { return dom.boolean(value); }); }
  bool number_integer(json::number_integer_t value) {
    return Value([&](DomBuilder& dom) { return dom.number_integer(value); });
  }
  bool number_unsigned(json::number_unsigned_t value) {
    return Value([&](DomBuilder& dom) { return dom.number_unsigned(value); });
  }
  bool number_float(json::number_float_t value, const std::string& text) {
    return Value([&](DomBuilder& dom) { return dom.number_float(value, text); });
  }
  bool string(std::string& value) { return Value([&](DomBuilder& dom) { return dom.string(value); }); }
  bool binary(json::binary_t& value) { return Value([&](DomBuilder& dom) { return dom.binary(value); }); }
  bool start_object(std::size_t size) {
    if (open_ == 0) top_is_object_ = true;
    return Open([&](DomBuilder& dom) { return dom.start_object(size); });
  }
  bool key(std::string& key) {
    if (open_ == 1) key_ = key;
    return !reading_ || element_->key(key);
  }
  bool end_object() { return Close([&](DomBuilder& dom) { return dom.end_object(); }); }
  bool start_array(std::size_t size) {
    if (open_ == 1 && top_is_object_ && visitor_.Wants(key_)) {
      reading_ = true;
      index_ = 0;
      ++open_;
      return true;
    }
    return Open([&](DomBuilder& dom) { return dom.start_array(size); });
  }
  bool end_array() {
    if (reading_ && open_ == 2) {
      reading_ = false;
      --open_;
      return visitor_.End(key_);
    }
    return Close([&](DomBuilder& dom) { return dom.end_array(); });
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) { return false; }

 private:
  // Depth 2 is a wanted array's: a value there is an element.
  bool AtElement() const { return reading_ && open_ == 2; }
  void StartElement() {
    element_value_ = json();
    element_.emplace(element_value_, /*allow_exceptions=*/false);
  }
  bool Deliver() {
    element_.reset();
    return visitor_.Element(key_, index_++, std::move(element_value_));
  }

  template <typename Event>
  bool Value(Event event) {
    if (!reading_) return true;
    if (open_ > 2) return event(*element_);
    StartElement();
    return event(*element_) && Deliver();
  }
  template <typename Event>
  bool Open(Event event) {
    if (AtElement()) StartElement();
    ++open_;
    return !reading_ || event(*element_);
  }
  template <typename Event>
  bool Close(Event event) {
    --open_;
    if (!reading_) return true;
    return event(*element_) && (open_ > 2 || Deliver());
  }

  TopLevelElementVisitor& visitor_;
  int open_ = 0;  // containers open in the document
  bool top_is_object_ = false;
  std::string key_;      // the top-level member being read
  bool reading_ = false;  // inside the array of a wanted member
  size_t index_ = 0;      // of the next element in it
  json element_value_;
  std::optional<DomBuilder> element_;  // builds element_value_
};

}  // namespace

Result<nlohmann::json> ParseStrictJson(ByteView bytes, int max_depth) {
  json parsed;
  DomBuilder dom(parsed, /*allow_exceptions=*/false);
  SCITT_RETURN_IF_ERROR(ParseWith(bytes, max_depth, dom));
  return parsed;
}

Result<JsonOutline> OutlineStrictJson(ByteView bytes, int max_depth) {
  JsonOutline outline;
  OutlineBuilder builder(outline);
  SCITT_RETURN_IF_ERROR(ParseWith(bytes, max_depth, builder));
  return outline;
}

bool ForEachTopLevelElement(ByteView bytes, TopLevelElementVisitor& visitor) {
  ElementReader reader(visitor);
  const std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  return json::sax_parse(text, &reader, json::input_format_t::json, /*strict=*/true);
}

}  // namespace scitt
