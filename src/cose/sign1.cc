#include "cose/sign1.h"

#include <cstring>
#include <string>

#include "cbor/encoder.h"
#include "cose/labels.h"
#include "crypto/algorithm.h"

namespace scitt::cose {
namespace {

Error Malformed(std::string message) {
  return MakeError(ErrorCode::kMalformed, "COSE_Sign1: " + std::move(message));
}

std::string LabelText(const cbor::Value& label) {
  if (label.is_text()) return "\"" + label.text() + "\"";
  auto v = label.AsInt64();
  if (!v) return "?";
  std::string name = HeaderName(*v);
  return std::to_string(*v) + (name.empty() ? "" : " (" + name + ")");
}

// RFC 9052 §3: a label must not occur in both buckets.
Status CheckDisjoint(const HeaderMap& prot, const HeaderMap& unprot) {
  for (const auto& [key, value] : unprot.map.map()) {
    if (prot.map.Find(key) != nullptr) {
      return Malformed("header " + LabelText(key) +
                       " appears in both the protected and unprotected headers");
    }
  }
  return Status::Ok();
}

// RFC 9995 §3 (hash envelope): 258 MUST be protected, 259 and 260 MUST NOT be
// unprotected, and content type (3) MUST NOT be present when 258 is.
Status CheckHashEnvelope(const HeaderMap& prot, const HeaderMap& unprot) {
  for (int64_t label : {header::kPayloadHashAlg, header::kPreimageContentType,
                        header::kPayloadLocation}) {
    if (unprot.has(label)) {
      return Malformed("hash envelope header " + std::to_string(label) + " (" +
                       HeaderName(label) + ") must not be in the unprotected header");
    }
  }
  if (prot.payload_hash_alg &&
      (prot.has(header::kContentType) || unprot.has(header::kContentType))) {
    return Malformed("content type (3) must not be used with a hash envelope (258); "
                     "use preimage-content-type (259)");
  }
  return Status::Ok();
}

// RFC 9052 §3.1: crit is protected-only and lists labels present there.
Status CheckCritPresence(const HeaderMap& prot, const HeaderMap& unprot) {
  if (unprot.has(header::kCrit)) return Malformed("crit (2) must be in the protected header");
  for (const auto& label : prot.crit) {
    if (prot.map.Find(label) == nullptr) {
      return Malformed("crit lists header " + LabelText(label) +
                       " which is not in the protected header");
    }
  }
  return Status::Ok();
}

// The decoder limits for a header map (sign1.h). The outer decode holds the
// unprotected map two levels down (tag, array) beside four other items (tag,
// array, payload and signature; the protected header is one byte string).
cbor::DecodeOptions HeaderLimits() {
  cbor::DecodeOptions options;
  options.max_items = kMaxHeaderItems;
  options.max_depth = kMaxHeaderDepth;
  return options;
}
cbor::DecodeOptions OuterLimits() {
  cbor::DecodeOptions options;
  options.max_items = kMaxHeaderItems + 5;
  options.max_depth = kMaxHeaderDepth + 2;
  return options;
}
// The content of a definite-length string item: its raw bytes after the
// head, whose length the first byte's additional information gives
// (RFC 8949 §3: 0-23 in the byte itself, 24-27 in 1, 2, 4 or 8 more).
ByteView StringContent(const cbor::Value& item) {
  const ByteView raw = item.raw();
  const uint8_t info = raw[0] & 0x1f;
  const size_t head = info < 24 ? 1 : 1 + (size_t{1} << (info - 24));
  return raw.subspan(head);
}

std::string LimitsNote() {
  return "; a COSE header map holds at most " + std::to_string(kMaxHeaderItems) +
         " items nested at most " + std::to_string(kMaxHeaderDepth) + " levels deep";
}

}  // namespace

bool IsUnderstoodCriticalLabel(const cbor::Value& label) {
  auto v = label.AsInt64();
  if (!v) return false;
  switch (*v) {
    case header::kAlg:
    case header::kCrit:
    case header::kContentType:
    case header::kKid:
    case header::kCwtClaims:
    case header::kTyp:
    case header::kX5Chain:
    case header::kX5t:
    case header::kPayloadHashAlg:
    case header::kPreimageContentType:
    case header::kPayloadLocation:
    case header::kVds:
      return true;
    default:
      return false;
  }
}

Result<Sign1> Sign1::Parse(ByteView data, const Sign1ParseOptions& options) {
  return Parse(Bytes(data.begin(), data.end()), options);
}

Result<Sign1> Sign1::Parse(Bytes data, const Sign1ParseOptions& options) {
  Sign1 msg;
  auto owned = std::make_shared<const Bytes>(std::move(data));
  msg.data_ = *owned;
  msg.owner_ = std::move(owned);
  return ParseData(std::move(msg), options);
}

Result<Sign1> Sign1::ParseShared(std::shared_ptr<const void> owner, ByteView data, const Sign1ParseOptions& options) {
  Sign1 msg;
  msg.owner_ = std::move(owner);
  msg.data_ = data;
  return ParseData(std::move(msg), options);
}

Result<Sign1> Sign1::ParseBorrowed(ByteView data, const Sign1ParseOptions& options) {
  Sign1 msg;
  msg.data_ = data;
  return ParseData(std::move(msg), options);
}

Result<Sign1> Sign1::ParseData(Sign1 msg, const Sign1ParseOptions& options) {
  // The byte strings are read in place (StringContent): the payload is not
  // copied. The unprotected map, whose values are kept, is decoded again
  // below with its strings.
  cbor::DecodeOptions outer = OuterLimits();
  outer.copy_byte_strings = false;
  auto decoded_top = cbor::Decode(msg.data_, outer);
  if (!decoded_top.ok()) {
    // Over a limit (the only kInvalidArgument with these options) here means
    // the unprotected header is too big.
    if (decoded_top.error().code == ErrorCode::kInvalidArgument) {
      return Malformed("the unprotected header exceeds a limit: " + decoded_top.error().message +
                       " (counting the 5 items around it)" + LimitsNote());
    }
    return decoded_top.error();
  }
  const cbor::Value& top = *decoded_top;

  const cbor::Value* body = &top;
  if (top.is_tag()) {
    if (top.tag() != kSign1Tag) {
      return Malformed("expected tag 18 (COSE_Sign1), found tag " + std::to_string(top.tag()));
    }
    msg.tagged_ = true;
    body = &top.tag_content();
  } else if (options.require_tag) {
    return Malformed("tag 18 is required");
  }
  if (!body->is_array() || body->array().size() != 4) {
    return Malformed("must be an array of 4 items [protected, unprotected, payload, signature]");
  }
  const auto& items = body->array();
  if (!items[0].is_bytes()) return Malformed("protected header must be a byte string");
  if (!items[1].is_map()) return Malformed("unprotected header must be a map");
  if (!items[2].is_bytes() && !items[2].is_null()) {
    return Malformed("payload must be a byte string or nil");
  }
  if (!items[3].is_bytes()) return Malformed("signature must be a byte string");

  msg.protected_item_ = items[0].raw();
  // The bstr content is the tail of the raw item unless it was sent as an
  // indefinite-length string, which a signature cannot sensibly cover.
  if (items[0].indefinite()) return Malformed("protected header must be a definite-length byte string");
  msg.protected_bytes_ = StringContent(items[0]);

  cbor::Value protected_map = cbor::Value::FromMap({});
  if (!msg.protected_bytes_.empty()) {
    auto decoded = cbor::Decode(msg.protected_bytes_, HeaderLimits());
    if (!decoded.ok()) {
      if (decoded.error().code == ErrorCode::kInvalidArgument) {
        return Malformed("the protected header exceeds a limit: " + decoded.error().message +
                         LimitsNote());
      }
      return Malformed("protected header is not valid CBOR: " + decoded.error().message);
    }
    protected_map = std::move(decoded).value();
  }
  SCITT_ASSIGN_OR_RETURN(msg.protected_, ParseHeaderMap(protected_map, "protected"));
  // Within the limits the whole passed, so this decode passes too.
  SCITT_ASSIGN_OR_RETURN(const cbor::Value unprotected_map, cbor::Decode(items[1].raw(), OuterLimits()));
  SCITT_ASSIGN_OR_RETURN(msg.unprotected_, ParseHeaderMap(unprotected_map, "unprotected"));
  SCITT_RETURN_IF_ERROR(CheckDisjoint(msg.protected_, msg.unprotected_));
  SCITT_RETURN_IF_ERROR(CheckHashEnvelope(msg.protected_, msg.unprotected_));
  SCITT_RETURN_IF_ERROR(CheckCritPresence(msg.protected_, msg.unprotected_));

  msg.payload_item_ = items[2].raw();
  if (items[2].is_bytes()) {
    if (items[2].indefinite()) return Malformed("payload must be a definite-length byte string");
    msg.payload_ = StringContent(items[2]);
  }
  msg.signature_item_ = items[3].raw();
  if (items[3].indefinite()) return Malformed("signature must be a definite-length byte string");
  msg.signature_ = StringContent(items[3]);
  return msg;
}

Bytes ToBeSignedHead(ByteView protected_bytes, ByteView external_aad, size_t payload_size) {
  Bytes out;
  out.reserve(protected_bytes.size() + external_aad.size() + 32);
  cbor::EncodeHead(4, 4, &out);
  static constexpr char kContext[] = "Signature1";
  cbor::EncodeHead(3, sizeof(kContext) - 1, &out);
  out.insert(out.end(), kContext, kContext + sizeof(kContext) - 1);
  for (ByteView part : {protected_bytes, external_aad}) {
    cbor::EncodeHead(2, part.size(), &out);
    out.insert(out.end(), part.begin(), part.end());
  }
  cbor::EncodeHead(2, payload_size, &out);
  return out;
}

Bytes BuildToBeSigned(ByteView protected_bytes, ByteView external_aad, ByteView payload) {
  Bytes out = ToBeSignedHead(protected_bytes, external_aad, payload.size());
  out.insert(out.end(), payload.begin(), payload.end());
  return out;
}

Bytes Sign1::ToBeSigned(ByteView external_aad, std::optional<ByteView> detached_payload) const {
  ByteView payload = payload_ ? *payload_ : detached_payload.value_or(ByteView());
  return BuildToBeSigned(protected_bytes_, external_aad, payload);
}

Status Sign1::VerifySignature(const crypto::PublicKey& key,
                              const Sign1VerifyOptions& options) const {
  for (const auto& label : protected_.crit) {
    if (!IsUnderstoodCriticalLabel(label)) {
      return MakeError(ErrorCode::kUnsupported,
                       "crit lists header " + LabelText(label) + " which this verifier does not understand");
    }
  }
  if (!protected_.alg) {
    return MakeError(ErrorCode::kMalformed, "protected header has no alg (1)");
  }
  auto alg = crypto::AlgorithmFromCose(*protected_.alg);
  if (!alg) {
    return MakeError(ErrorCode::kUnsupported,
                     "unsupported signature algorithm " + std::to_string(*protected_.alg));
  }
  if (!payload_ && !options.detached_payload) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "payload is detached (nil) and no detached payload was supplied");
  }
  Status status = Status::Ok();
  if (!options.writable_source.empty() && payload_) {
    status = VerifyInPlace(*alg, key, options.external_aad, options.writable_source);
  } else {
    status = key.Verify(*alg, ToBeSigned(options.external_aad, options.detached_payload), signature_);
  }
  if (!status.ok()) {
    return MakeError(ErrorCode::kVerificationFailed,
                     "signature does not verify: " + status.message());
  }
  return Status::Ok();
}

// The Sig_structure is the payload preceded by a head of
// ToBeSignedHead().size() bytes. The bytes before the payload (tag, array
// head, headers, the payload's own head) are room for it; when they are
// fewer (an empty unprotected map leaves about ten bytes short), the payload
// moves up into the signature's place for the call. What is overwritten is
// saved first and written back after.
Status Sign1::VerifyInPlace(crypto::Algorithm alg, const crypto::PublicKey& key, ByteView external_aad,
                            std::span<uint8_t> source) const {
  if (source.data() != data_.data() || source.size() != data_.size()) {
    return MakeError(ErrorCode::kInvalidArgument, "the writable source is not the buffer this message was parsed from");
  }
  const ByteView payload = *payload_;
  const Bytes head = ToBeSignedHead(protected_bytes_, external_aad, payload.size());
  const size_t start = static_cast<size_t>(payload.data() - source.data());
  const size_t end = start + payload.size();
  const size_t shift = head.size() > start ? head.size() - start : 0;
  const Bytes signature(signature_.begin(), signature_.end());  // may lie where the payload moves
  if (end + shift > source.size()) {                            // no room: a signature of a few bytes
    return key.Verify(alg, ToBeSigned(external_aad), signature);
  }
  // Overwritten: [first, start) by the head, [end, end + shift) by the
  // payload moved up.
  const size_t first = start + shift - head.size();
  const Bytes before(source.begin() + static_cast<std::ptrdiff_t>(first),
                     source.begin() + static_cast<std::ptrdiff_t>(start));
  const Bytes after(source.begin() + static_cast<std::ptrdiff_t>(end),
                    source.begin() + static_cast<std::ptrdiff_t>(end + shift));
  uint8_t* const base = source.data();
  if (shift > 0) std::memmove(base + start + shift, base + start, payload.size());
  std::memcpy(base + first, head.data(), head.size());
  Status status = key.Verify(alg, ByteView(base + first, head.size() + payload.size()), signature);
  if (shift > 0) std::memmove(base + start, base + start + shift, payload.size());
  if (!before.empty()) std::memcpy(base + first, before.data(), before.size());
  if (!after.empty()) std::memcpy(base + end, after.data(), after.size());
  return status;
}

template <typename Take>
void Sign1::ForEachPiece(ByteView unprotected_item, Take&& take) const {
  Bytes heads;
  cbor::EncodeHead(6, kSign1Tag, &heads);
  cbor::EncodeHead(4, 4, &heads);
  for (ByteView piece : {ByteView(heads), protected_item_, unprotected_item, payload_item_, signature_item_}) {
    take(piece);
  }
}

Bytes Sign1::Reassemble(ByteView unprotected_item) const {
  Bytes out;
  out.reserve(protected_item_.size() + unprotected_item.size() + payload_item_.size() +
              signature_item_.size() + 2);
  ForEachPiece(unprotected_item, [&out](ByteView piece) { out.insert(out.end(), piece.begin(), piece.end()); });
  return out;
}

namespace {
constexpr uint8_t kEmptyMap[] = {0xa0};
}  // namespace

Bytes Sign1::RegisteredForm() const { return Reassemble(kEmptyMap); }

// The registered form is the received message with a new beginning (tag,
// array head, protected item, empty map) before the same payload and
// signature items, which run to the end. The beginning is written over the
// old one, which is at most one byte shorter (an untagged message whose
// unprotected map is already empty).
Bytes Sign1::RegisteredFormHead() const {
  Bytes head;
  cbor::EncodeHead(6, kSign1Tag, &head);
  cbor::EncodeHead(4, 4, &head);
  head.insert(head.end(), protected_item_.begin(), protected_item_.end());
  head.push_back(kEmptyMap[0]);
  return head;
}

Bytes Sign1::TakeRegisteredForm(Bytes source) const {
  if (source.data() != data_.data() || source.size() != data_.size()) return RegisteredForm();
  if (const auto form = RegisteredFormInPlace(source)) {
    source.erase(source.begin(), source.begin() + (form->data() - source.data()));
    return source;
  }
  // The beginning is one byte longer than the old one: the buffer grows.
  const Bytes head = RegisteredFormHead();
  const size_t start = static_cast<size_t>(payload_item_.data() - source.data());
  source.insert(source.begin(), head.size() - start, 0);
  std::memcpy(source.data(), head.data(), head.size());
  return source;
}

std::optional<ByteView> Sign1::RegisteredFormInPlace(std::span<uint8_t> buffer) const {
  if (data_.data() < buffer.data() || data_.data() + data_.size() > buffer.data() + buffer.size()) return std::nullopt;
  const Bytes head = RegisteredFormHead();
  const auto start = static_cast<size_t>(payload_item_.data() - buffer.data());
  if (head.size() > start) return std::nullopt;
  uint8_t* begin = buffer.data() + (start - head.size());
  std::memcpy(begin, head.data(), head.size());
  return ByteView(begin, static_cast<size_t>(data_.data() + data_.size() - begin));
}

crypto::Sha256Digest Sign1::RegisteredFormSha256() const {
  crypto::Sha256Hasher hasher;
  ForEachPiece(kEmptyMap, [&hasher](ByteView piece) { hasher.Update(piece); });
  return hasher.Finish();
}

Bytes Sign1::WithUnprotected(const cbor::Value& unprotected) const {
  return Reassemble(cbor::Encode(unprotected));
}

Result<Bytes> SignSign1(const Sign1Content& content, const crypto::PrivateKey& key) {
  const cbor::Value* alg_value = content.protected_map.Find(header::kAlg);
  auto alg_id = alg_value != nullptr ? alg_value->AsInt64() : std::nullopt;
  if (!alg_id) return MakeError(ErrorCode::kInvalidArgument, "protected header needs alg (1)");
  auto alg = crypto::AlgorithmFromCose(*alg_id);
  if (!alg) {
    return MakeError(ErrorCode::kUnsupported, "unsupported algorithm " + std::to_string(*alg_id));
  }
  Bytes protected_bytes = cbor::Encode(content.protected_map);
  Bytes tbs = BuildToBeSigned(protected_bytes, content.external_aad, content.payload);
  SCITT_ASSIGN_OR_RETURN(Bytes signature, key.Sign(*alg, tbs));

  cbor::Array items;
  items.push_back(cbor::Value::ByteString(std::move(protected_bytes)));
  items.push_back(content.unprotected);
  items.push_back(content.detach_payload ? cbor::Value::Null()
                                         : cbor::Value::ByteString(content.payload));
  items.push_back(cbor::Value::ByteString(std::move(signature)));
  return cbor::Encode(cbor::Value::Tagged(kSign1Tag, cbor::Value::FromArray(std::move(items))));
}

std::optional<std::string> PayloadContentType(const Sign1& statement) {
  const HeaderMap& headers = statement.protected_headers();
  const std::optional<cbor::Value>& value =
      statement.is_hash_envelope() ? headers.preimage_content_type : headers.content_type;
  if (!value) return std::nullopt;
  if (value->is_text()) return value->text();
  if (value->is_unsigned()) return std::to_string(value->argument());
  return std::nullopt;
}

}  // namespace scitt::cose
