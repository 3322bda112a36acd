// OpenVEX 0.0.1 and 0.2.0 (https://github.com/openvex/spec): each statement
// gives a VEX status of one vulnerability for its products, and for the
// subcomponents named inside a product.
#include <charconv>
#include <chrono>
#include <cstdint>

#include "evidence/formats/formats_internal.h"
#include "evidence/formats/parse.h"

namespace scitt::evidence::internal {
namespace {

constexpr std::string_view kContextPrefix = "https://openvex.dev/ns";

// spec "Status Labels".
bool IsVexStatus(std::string_view status) {
  return status == "not_affected" || status == "affected" || status == "fixed" ||
         status == "under_investigation";
}

bool ReadDigits(std::string_view& text, size_t count, int& out) {
  if (text.size() < count) return false;
  const auto [end, error] = std::from_chars(text.data(), text.data() + count, out);
  if (error != std::errc() || end != text.data() + count) return false;
  text.remove_prefix(count);
  return true;
}

bool ReadChar(std::string_view& text, std::string_view allowed) {
  if (text.empty() || allowed.find(text.front()) == std::string_view::npos) return false;
  text.remove_prefix(1);
  return true;
}

// An RFC 3339 §5.6 date-time as nanoseconds since the epoch, for ordering
// statements; nullopt when it is not one.
std::optional<int64_t> ParseTimestamp(std::string_view text) {
  int year, month, day, hour, minute, second;
  if (!ReadDigits(text, 4, year) || !ReadChar(text, "-") || !ReadDigits(text, 2, month) ||
      !ReadChar(text, "-") || !ReadDigits(text, 2, day) || !ReadChar(text, "Tt ") ||
      !ReadDigits(text, 2, hour) || !ReadChar(text, ":") || !ReadDigits(text, 2, minute) ||
      !ReadChar(text, ":") || !ReadDigits(text, 2, second)) {
    return std::nullopt;
  }
  int64_t nanos = 0;
  if (ReadChar(text, ".")) {
    int64_t scale = 100'000'000;
    size_t digits = 0;
    while (!text.empty() && text.front() >= '0' && text.front() <= '9') {
      nanos += (text.front() - '0') * scale;
      scale /= 10;
      text.remove_prefix(1);
      ++digits;
    }
    if (digits == 0) return std::nullopt;
  }
  int64_t offset_minutes = 0;
  if (!ReadChar(text, "Zz")) {
    const bool negative = !text.empty() && text.front() == '-';
    int offset_hours, offset_mins;
    if (!ReadChar(text, "+-") || !ReadDigits(text, 2, offset_hours) || !ReadChar(text, ":") ||
        !ReadDigits(text, 2, offset_mins)) {
      return std::nullopt;
    }
    offset_minutes = (negative ? -1 : 1) * (offset_hours * 60 + offset_mins);
  }
  const std::chrono::year_month_day date{std::chrono::year(year),
                                         std::chrono::month(static_cast<unsigned>(month)),
                                         std::chrono::day(static_cast<unsigned>(day))};
  if (!text.empty() || !date.ok() || hour > 23 || minute > 59 || second > 60) return std::nullopt;
  const int64_t days = std::chrono::sys_days(date).time_since_epoch().count();
  const int64_t seconds = days * 86400 + hour * 3600 + minute * 60 + second - offset_minutes * 60;
  return seconds * 1'000'000'000 + nanos;
}

class OpenVexReader {
 public:
  OpenVexReader(std::string spec_version, std::string document_timestamp)
      : graph_(DocumentFormat::kOpenVex, std::move(spec_version)),
        document_timestamp_(std::move(document_timestamp)) {}

  Status Read(const Json& document) {
    SCITT_ASSIGN_OR_RETURN(auto author, OptionalString(document, "author", "OpenVEX"));
    if (author && !author->empty()) SCITT_RETURN_IF_ERROR(graph_.AddNode(NodeKind::kIssuer, *author));
    SCITT_ASSIGN_OR_RETURN(const Json* statements, OptionalArray(document, "statements", "OpenVEX"));
    if (statements == nullptr) return Invalid("OpenVEX: statements is missing");
    for (size_t i = 0; i < statements->size(); ++i) {
      SCITT_RETURN_IF_ERROR(
          ReadStatement((*statements)[i], "OpenVEX: statements[" + std::to_string(i) + "]"));
    }
    return Status::Ok();
  }

  EvidenceDocument Finish() && { return std::move(graph_).Finish(); }

 private:
  // 0.2.0: {"name": …, "aliases": […]}; 0.0.1: the name itself.
  Result<std::string> ReadVulnerability(const Json& statement, const std::string& where) {
    const auto it = statement.find("vulnerability");
    if (it == statement.end()) return Invalid(where + ".vulnerability is missing");
    if (it->is_string()) {
      SCITT_RETURN_IF_ERROR(graph_.AddNode(NodeKind::kVulnerability, it->get<std::string>()));
      return it->get<std::string>();
    }
    if (!it->is_object()) return Invalid(where + ".vulnerability must be an object or a string");
    SCITT_ASSIGN_OR_RETURN(std::string name, RequiredString(*it, "name", where + ".vulnerability"));
    Attributes attributes;
    SCITT_ASSIGN_OR_RETURN(const Json* aliases,
                           OptionalArray(*it, "aliases", where + ".vulnerability"));
    if (aliases != nullptr) {
      std::string joined;
      for (size_t i = 0; i < aliases->size(); ++i) {
        SCITT_ASSIGN_OR_RETURN(std::string alias,
                               ExpectString((*aliases)[i], where + ".vulnerability.aliases[" +
                                                               std::to_string(i) + "]"));
        joined += (joined.empty() ? "" : ",") + alias;
      }
      if (!joined.empty()) attributes["aliases"] = joined;
    }
    SCITT_RETURN_IF_ERROR(graph_.AddNode(NodeKind::kVulnerability, name, std::move(attributes)));
    return name;
  }

  // A product or subcomponent: 0.2.0 {"@id": …, "identifiers": {"purl": …}};
  // 0.0.1 the id itself. purls become packages, anything else an artifact
  // named as written.
  Result<std::string> AddProduct(const Json& product, const std::string& where) {
    std::string written;
    if (product.is_string()) {
      written = product.get<std::string>();
    } else if (product.is_object()) {
      SCITT_ASSIGN_OR_RETURN(auto id, OptionalString(product, "@id", where));
      if (id) {
        written = *id;
      } else {
        SCITT_ASSIGN_OR_RETURN(const Json* identifiers,
                               OptionalObject(product, "identifiers", where));
        if (identifiers != nullptr) {
          SCITT_ASSIGN_OR_RETURN(auto purl, OptionalString(*identifiers, "purl", where + ".identifiers"));
          written = purl.value_or("");
        }
      }
    } else {
      return Invalid(where + " must be an object or a string");
    }
    if (written.empty()) return Invalid(where + " names no product (@id or identifiers.purl)");
    if (written.starts_with("pkg:")) {
      const std::string id = NormalizePurl(written);
      SCITT_RETURN_IF_ERROR(graph_.AddNode(NodeKind::kPackage, id, {{"purl", written}}));
      return id;
    }
    SCITT_RETURN_IF_ERROR(graph_.AddNode(NodeKind::kArtifact, written));
    return written;
  }

  // spec "Statement": a later statement about the same vulnerability and
  // product replaces an earlier one; the statement's timestamp, else the
  // document's, orders them, and of equal times the later in the array wins.
  Status SetStatus(Edge edge) {
    if (const Edge* earlier = graph_.FindEdge(edge); earlier != nullptr) {
      const auto earlier_time = ParseTimestamp(earlier->attributes.count("timestamp")
                                                   ? earlier->attributes.at("timestamp")
                                                   : "");
      const auto time = ParseTimestamp(edge.attributes.count("timestamp")
                                           ? edge.attributes.at("timestamp")
                                           : "");
      if (earlier_time && time && *time < *earlier_time) return Status::Ok();
    }
    return graph_.SetEdge(std::move(edge));
  }

  Status ReadStatement(const Json& statement, const std::string& where) {
    SCITT_RETURN_IF_ERROR(ExpectObject(statement, where));
    graph_.Declare("statements");
    SCITT_ASSIGN_OR_RETURN(std::string vulnerability, ReadVulnerability(statement, where));
    SCITT_ASSIGN_OR_RETURN(std::string status, RequiredString(statement, "status", where));
    if (!IsVexStatus(status)) {
      return Invalid(where + ".status \"" + status.substr(0, 100) + "\" is not a VEX status");
    }
    Attributes vex{{"status", status}};
    SCITT_ASSIGN_OR_RETURN(auto justification, OptionalString(statement, "justification", where));
    if (justification) vex["justification"] = *justification;
    SCITT_ASSIGN_OR_RETURN(auto timestamp, OptionalString(statement, "timestamp", where));
    const std::string time = timestamp.value_or(document_timestamp_);
    if (!time.empty()) vex["timestamp"] = time;

    SCITT_ASSIGN_OR_RETURN(const Json* products, OptionalArray(statement, "products", where));
    if (products == nullptr) return Status::Ok();
    // 0.0.1 lists subcomponents on the statement, for all its products.
    SCITT_ASSIGN_OR_RETURN(const Json* statement_subcomponents,
                           OptionalArray(statement, "subcomponents", where));
    for (size_t i = 0; i < products->size(); ++i) {
      const std::string here = where + ".products[" + std::to_string(i) + "]";
      const Json& product = (*products)[i];
      SCITT_ASSIGN_OR_RETURN(std::string product_id, AddProduct(product, here));
      SCITT_RETURN_IF_ERROR(SetStatus(Edge{EdgeKind::kVexStatus, product_id, vulnerability, vex}));
      const Json* subcomponents = statement_subcomponents;
      std::string subcomponents_where = where + ".subcomponents";
      if (product.is_object()) {
        SCITT_ASSIGN_OR_RETURN(const Json* own, OptionalArray(product, "subcomponents", here));
        if (own != nullptr) {
          subcomponents = own;
          subcomponents_where = here + ".subcomponents";
        }
      }
      if (subcomponents == nullptr) continue;
      for (size_t j = 0; j < subcomponents->size(); ++j) {
        SCITT_ASSIGN_OR_RETURN(
            std::string subcomponent,
            AddProduct((*subcomponents)[j], subcomponents_where + "[" + std::to_string(j) + "]"));
        SCITT_RETURN_IF_ERROR(
            graph_.AddEdge(Edge{EdgeKind::kContains, product_id, subcomponent, {}}));
        Attributes scoped = vex;
        scoped["product"] = product_id;
        SCITT_RETURN_IF_ERROR(
            SetStatus(Edge{EdgeKind::kVexStatus, subcomponent, vulnerability, std::move(scoped)}));
      }
    }
    return Status::Ok();
  }

  GraphBuilder graph_;
  const std::string document_timestamp_;  // for statements without their own
};

}  // namespace

Result<EvidenceDocument> ParseOpenVex(const Json& document) {
  SCITT_RETURN_IF_ERROR(ExpectObject(document, "OpenVEX: the document"));
  SCITT_ASSIGN_OR_RETURN(std::string context, RequiredString(document, "@context", "OpenVEX"));
  if (!context.starts_with(kContextPrefix)) {
    return Invalid("OpenVEX: @context must start with " + std::string(kContextPrefix));
  }
  // ".../ns/v0.2.0" names its version; the bare ".../ns" does not.
  std::string spec_version = "(unversioned) " + context;
  if (context.starts_with(std::string(kContextPrefix) + "/")) {
    spec_version = context.substr(context.rfind('/') + 1);
  }
  SCITT_ASSIGN_OR_RETURN(auto timestamp, OptionalString(document, "timestamp", "OpenVEX"));
  OpenVexReader reader(std::move(spec_version), timestamp.value_or(""));
  SCITT_RETURN_IF_ERROR(reader.Read(document));
  return std::move(reader).Finish();
}

}  // namespace scitt::evidence::internal
