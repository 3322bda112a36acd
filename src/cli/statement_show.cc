#include "cli/statement_show.h"

#include <iostream>

#include "base/file.h"
#include "base/text.h"
#include "cbor/decoder.h"
#include "cbor/encoder.h"
#include "cli/commands.h"
#include "cose/headers.h"
#include "cose/labels.h"
#include "cose/receipt.h"
#include "cose/sign1.h"
#include "cose/transparent_statement.h"
#include "crypto/algorithm.h"
#include "crypto/hash.h"
#include "crypto/x509.h"

namespace scitt::cli {
namespace {

using json = nlohmann::ordered_json;

bool IsPrintableUtf8(ByteView b) {
  for (uint8_t c : b) {
    if (c < 0x20 && c != '\n' && c != '\r' && c != '\t') return false;
  }
  return FindInvalidUtf8(b) == b.size();
}

// CBOR to JSON for display: bytes as hex, tags as {"tag": n, "value": …}.
json ToJson(const cbor::Value& v) {
  switch (v.type()) {
    case cbor::Value::Type::kUnsigned: return v.argument();
    case cbor::Value::Type::kNegative:
      if (auto i = v.AsInt64()) return *i;
      return cbor::Diagnostic(v);
    case cbor::Value::Type::kBytes: return HexEncode(v.bytes());
    case cbor::Value::Type::kText: return v.text();
    case cbor::Value::Type::kArray: {
      json out = json::array();
      for (const auto& item : v.array()) out.push_back(ToJson(item));
      return out;
    }
    case cbor::Value::Type::kMap: {
      json out = json::object();
      for (const auto& [key, value] : v.map()) {
        out[key.is_text() ? key.text() : cbor::Diagnostic(key)] = ToJson(value);
      }
      return out;
    }
    case cbor::Value::Type::kTag: return json{{"tag", v.tag()}, {"value", ToJson(v.tag_content())}};
    case cbor::Value::Type::kFloat: return v.float_value();
    case cbor::Value::Type::kSimple:
      if (v.is_bool()) return v.bool_value();
      if (v.is_null()) return nullptr;
      return cbor::Diagnostic(v);
    case cbor::Value::Type::kEncoded: return HexEncode(v.encoded());
  }
  return nullptr;
}

json DescribeCertificate(const Bytes& der) {
  auto cert = crypto::Certificate::FromDer(der);
  if (!cert.ok()) return json{{"error", cert.error().message}};
  return json{{"subject", cert->subject()},
              {"issuer", cert->issuer()},
              {"not_before", cert->not_before()},
              {"not_after", cert->not_after()},
              {"sha256", HexEncode(crypto::Sha256(der))}};
}

json DescribeClaims(const cose::CwtClaims& claims) {
  json out = json::object();
  for (const auto& [key, value] : claims.map.map()) {
    std::string name = key.is_text() ? key.text() : cbor::Diagnostic(key);
    switch (key.AsInt64().value_or(0)) {
      case cose::claim::kIss: name = "iss"; break;
      case cose::claim::kSub: name = "sub"; break;
      case cose::claim::kAud: name = "aud"; break;
      case cose::claim::kExp: name = "exp"; break;
      case cose::claim::kNbf: name = "nbf"; break;
      case cose::claim::kIat: name = "iat"; break;
      case cose::claim::kCti: name = "cti"; break;
      case cose::claim::kCnf: name = "cnf"; break;
      default: break;
    }
    out[name] = ToJson(value);
  }
  if (claims.iat) out["iat"] = *claims.iat;  // tag-1 form shown as a plain number
  return out;
}

json DescribeHeaders(const cose::HeaderMap& headers) {
  json out = json::object();
  for (const auto& [key, value] : headers.map.map()) {
    auto label = key.AsInt64();
    std::string name = key.is_text() ? key.text() : cbor::Diagnostic(key);
    if (label && *cose::HeaderName(*label) != '\0') name = cose::HeaderName(*label);
    if (label == cose::header::kAlg && headers.alg) {
      auto alg = crypto::AlgorithmFromCose(*headers.alg);
      out[name] = alg ? std::string(crypto::AlgorithmName(*alg)) + " (" + std::to_string(*headers.alg) + ")"
                      : std::to_string(*headers.alg);
    } else if (label == cose::header::kPayloadHashAlg && headers.payload_hash_alg) {
      auto alg = crypto::HashAlgorithmFromCose(*headers.payload_hash_alg);
      out[name] = alg ? std::string(crypto::HashAlgorithmName(*alg)) + " (" +
                            std::to_string(*headers.payload_hash_alg) + ")"
                      : std::to_string(*headers.payload_hash_alg);
    } else if (label == cose::header::kCwtClaims && headers.cwt) {
      out[name] = DescribeClaims(*headers.cwt);
    } else if (label == cose::header::kX5Chain) {
      json chain = json::array();
      for (const Bytes& der : headers.x5chain) chain.push_back(DescribeCertificate(der));
      out[name] = chain;
    } else if (label == cose::header::kReceipts) {
      out[name] = std::to_string(headers.receipts.size()) + " receipt(s), shown below";
    } else {
      out[name] = ToJson(value);
    }
  }
  return out;
}

json PathJson(const std::vector<merkle::Hash>& path) {
  json out = json::array();
  for (const auto& h : path) out.push_back(HexEncode(h));
  return out;
}

json DescribeProofs(const cose::Receipt& receipt) {
  json out = json::object();
  if (receipt.vds == cose::vds::kRfc9162Sha256) {
    json inclusion = json::array();
    for (const Bytes& encoded : receipt.inclusion_proofs) {
      auto p = cose::DecodeInclusionProof(encoded);
      inclusion.push_back(p.ok() ? json{{"tree_size", p->tree_size}, {"leaf_index", p->leaf_index}, {"path", PathJson(p->path)}}
                                 : json{{"error", p.error().message}});
    }
    json consistency = json::array();
    for (const Bytes& encoded : receipt.consistency_proofs) {
      auto p = cose::DecodeConsistencyProof(encoded);
      consistency.push_back(p.ok() ? json{{"tree_size_1", p->tree_size_1}, {"tree_size_2", p->tree_size_2}, {"path", PathJson(p->path)}}
                                   : json{{"error", p.error().message}});
    }
    if (!inclusion.empty()) out["inclusion_proofs"] = inclusion;
    if (!consistency.empty()) out["consistency_proofs"] = consistency;
    return out;
  }
  json proofs = json::array();
  for (const Bytes& encoded : receipt.inclusion_proofs) {
    auto decoded = cbor::Decode(encoded);
    proofs.push_back(decoded.ok() ? ToJson(*decoded) : json(decoded.error().message));
  }
  out["inclusion_proofs"] = proofs;
  return out;
}

json DescribeReceipt(ByteView encoded) {
  auto receipt = cose::Receipt::Parse(encoded);
  if (!receipt.ok()) return json{{"error", receipt.error().message}};
  json out = {{"protected", DescribeHeaders(receipt->sign1.protected_headers())},
              {"vds", receipt->vds}};
  out.update(DescribeProofs(*receipt));
  out["signature"] = HexEncode(receipt->sign1.signature());
  return out;
}

json DescribePayload(const cose::Sign1& msg) {
  auto payload = msg.payload();
  if (!payload) return json{{"detached", true}};
  json out = {{"size", payload->size()}};
  if (payload->size() <= 64) out["hex"] = HexEncode(*payload);
  if (!msg.is_hash_envelope() && payload->size() <= 4096 && IsPrintableUtf8(*payload)) {
    out["text"] = std::string(payload->begin(), payload->end());
  }
  return out;
}

// Renders the JSON model as indented "name: value" lines.
void PrintText(const json& value, int indent, std::ostream& out) {
  std::string pad(static_cast<size_t>(indent) * 2, ' ');
  if (value.is_object()) {
    for (const auto& [key, item] : value.items()) {
      if (item.is_structured() && !item.empty()) {
        out << pad << key << ":\n";
        PrintText(item, indent + 1, out);
      } else {
        out << pad << key << ": " << (item.is_string() ? item.get<std::string>() : item.dump()) << "\n";
      }
    }
  } else if (value.is_array()) {
    size_t i = 0;
    for (const auto& item : value) {
      if (item.is_structured()) {
        out << pad << "[" << i << "]\n";
        PrintText(item, indent + 1, out);
      } else {
        out << pad << "- " << (item.is_string() ? item.get<std::string>() : item.dump()) << "\n";
      }
      ++i;
    }
  }
}

}  // namespace

Result<json> DescribeCose(ByteView data) {
  SCITT_ASSIGN_OR_RETURN(cose::Sign1 msg, cose::Sign1::Parse(data));
  const auto& prot = msg.protected_headers();
  const auto& unprot = msg.unprotected_headers();
  if (prot.vds) {
    json out = {{"kind", "receipt"}, {"tagged", msg.tagged()}};
    out.update(DescribeReceipt(data));
    return out;
  }
  json out = {{"kind", unprot.receipts.empty() ? "signed statement" : "transparent statement"},
              {"tagged", msg.tagged()},
              {"protected", DescribeHeaders(prot)},
              {"unprotected", DescribeHeaders(unprot)},
              {"payload", DescribePayload(msg)},
              {"signature", HexEncode(msg.signature())},
              {"log_entry", HexEncode(cose::LogEntry(msg))}};
  if (!unprot.receipts.empty()) {
    json receipts = json::array();
    for (const Bytes& r : unprot.receipts) receipts.push_back(DescribeReceipt(r));
    out["receipts"] = receipts;
  }
  return out;
}

int ShowStatement(const std::string& path, bool as_json) {
  auto data = ReadFile(path);
  if (!data.ok()) return ReportError(data.error());
  auto model = DescribeCose(*data);
  if (!model.ok()) return ReportError(path + ": " + model.error().message);
  if (as_json) {
    std::cout << model->dump(2, ' ', false, json::error_handler_t::replace) << "\n";
  } else {
    PrintText(*model, 0, std::cout);
  }
  return kExitOk;
}

}  // namespace scitt::cli
