// Bounded JSON parsing and typed field access shared by the format parsers.
#include <algorithm>
#include <utility>

#include "base/json.h"
#include "evidence/formats/formats_internal.h"
#include "evidence/formats/parse.h"

namespace scitt::evidence::internal {
namespace {

std::string TypeName(Json::value_t type) {
  switch (type) {
    case Json::value_t::object: return "an object";
    case Json::value_t::array: return "an array";
    case Json::value_t::string: return "a string";
    default: return "a scalar";
  }
}

// Field `key` of `object` when present, not null and of `type`.
Result<const Json*> TypedField(const Json& object, std::string_view key, Json::value_t type,
                               const std::string& where) {
  if (!object.is_object()) return Invalid(where + " must be an object");
  const auto it = object.find(key);
  if (it == object.end() || it->is_null()) return static_cast<const Json*>(nullptr);
  if (it->type() != type) {
    return Invalid(where + "." + std::string(key) + " must be " + TypeName(type));
  }
  return &*it;
}

// Runs `parse` (ParseStrictJson or OutlineStrictJson) within the bounds.
template <typename Parser>
auto ParseBounded(ByteView bytes, std::string_view what, Parser parse) -> decltype(parse(bytes, 0)) {
  const std::string name(what);
  if (bytes.size() > kMaxDocumentBytes) {
    return MakeError(ErrorCode::kMalformed, name + ": larger than " +
                                                std::to_string(kMaxDocumentBytes) + " bytes");
  }
  auto parsed = parse(bytes, kMaxJsonDepth);
  if (!parsed.ok()) return MakeError(ErrorCode::kMalformed, name + ": " + parsed.error().message);
  return parsed;
}

}  // namespace

Error Invalid(std::string message) {
  return MakeError(ErrorCode::kInvalidArgument, std::move(message));
}

OrderedMemberReader::OrderedMemberReader(std::string what, std::vector<Member> members)
    : what_(std::move(what)), members_(std::move(members)) {}

Status OrderedMemberReader::Read(ByteView document, const JsonOutline& outline) {
  outline_ = &outline;
  next_ = 0;
  arrived_.assign(members_.size(), false);
  waiting_.assign(members_.size(), {});
  for (size_t m = 0; m < members_.size(); ++m) {
    // Members the document does not have are not waited for.
    arrived_[m] = std::find(outline.keys.begin(), outline.keys.end(), members_[m].key) == outline.keys.end();
  }
  SCITT_RETURN_IF_ERROR(Advance());
  // The outline was checked: the walk stops only when a call here stops it.
  if (!ForEachTopLevelElement(document, *this)) return status_;
  return Status::Ok();
}

size_t OrderedMemberReader::Index(std::string_view key) const {
  size_t m = 0;
  while (m < members_.size() && members_[m].key != key) ++m;
  return m;
}

bool OrderedMemberReader::Wants(const std::string& key) {
  const size_t m = Index(key);
  return m < members_.size() && members_[m].element != nullptr;
}

bool OrderedMemberReader::Element(const std::string& key, size_t index, Json element) {
  const size_t m = Index(key);
  if (m != next_) {
    waiting_[m].push_back(std::move(element));
    return true;
  }
  status_ = members_[m].element(index, element);
  return status_.ok();
}

bool OrderedMemberReader::End(const std::string& key) {
  const size_t m = Index(key);
  arrived_[m] = true;
  if (m != next_) return true;
  ++next_;
  status_ = Advance();
  return status_.ok();
}

Status OrderedMemberReader::Advance() {
  for (; next_ < members_.size(); ++next_) {
    const Member& member = members_[next_];
    if (member.element == nullptr) {
      SCITT_RETURN_IF_ERROR(member.outline(outline_->value));
      continue;
    }
    SCITT_ASSIGN_OR_RETURN(const Json* array, OptionalArray(outline_->value, member.key, what_));
    if (array == nullptr) continue;
    if (!arrived_[next_]) return Status::Ok();
    const std::vector<Json> elements = std::exchange(waiting_[next_], {});
    for (size_t i = 0; i < elements.size(); ++i) SCITT_RETURN_IF_ERROR(member.element(i, elements[i]));
  }
  return Status::Ok();
}

Result<Json> ParseJson(ByteView bytes, std::string_view what) {
  return ParseBounded(bytes, what, ParseStrictJson);
}

Result<JsonOutline> OutlineJson(ByteView bytes, std::string_view what) {
  return ParseBounded(bytes, what, OutlineStrictJson);
}

Result<const Json*> OptionalArray(const Json& object, std::string_view key,
                                  const std::string& where) {
  return TypedField(object, key, Json::value_t::array, where);
}

Result<const Json*> OptionalObject(const Json& object, std::string_view key,
                                   const std::string& where) {
  return TypedField(object, key, Json::value_t::object, where);
}

Result<std::optional<std::string>> OptionalString(const Json& object, std::string_view key,
                                                  const std::string& where) {
  SCITT_ASSIGN_OR_RETURN(const Json* field, TypedField(object, key, Json::value_t::string, where));
  if (field == nullptr) return std::optional<std::string>();
  return std::optional<std::string>(field->get<std::string>());
}

Result<std::string> RequiredString(const Json& object, std::string_view key,
                                   const std::string& where) {
  SCITT_ASSIGN_OR_RETURN(const Json* field, TypedField(object, key, Json::value_t::string, where));
  if (field == nullptr) return Invalid(where + "." + std::string(key) + " is missing");
  return field->get<std::string>();
}

Status ExpectObject(const Json& value, const std::string& where) {
  if (!value.is_object()) return Invalid(where + " must be an object");
  return Status::Ok();
}

Result<std::string> ExpectString(const Json& value, const std::string& where) {
  if (!value.is_string()) return Invalid(where + " must be a string");
  return value.get<std::string>();
}

std::optional<std::string> ArtifactIdFromDigests(const Json& digests) {
  if (!digests.is_object() || digests.empty()) return std::nullopt;
  for (const auto& [algorithm, value] : digests.items()) {
    if (!value.is_string()) return std::nullopt;
  }
  for (const char* preferred : {"sha256", "sha512"}) {
    if (const auto it = digests.find(preferred); it != digests.end()) {
      return std::string(preferred) + ":" + it->get<std::string>();
    }
  }
  const auto first = digests.begin();
  return first.key() + ":" + first->get<std::string>();
}

}  // namespace scitt::evidence::internal
