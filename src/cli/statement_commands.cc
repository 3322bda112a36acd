// `scitt statement sign` and `scitt statement show`.
#include <ctime>
#include <iostream>
#include <memory>

#include "base/file.h"
#include "cbor/value.h"
#include "cli/commands.h"
#include "cli/statement_show.h"
#include "cose/cose_key.h"
#include "cose/labels.h"
#include "cose/sign1.h"
#include "crypto/hash.h"
#include "crypto/x509.h"

namespace scitt::cli {
namespace {

struct SignOptions {
  std::string key_file;
  std::string alg;
  std::string issuer;
  std::string subject;
  std::string content_type;
  std::string typ;
  std::string x5chain_file;
  bool hash_envelope = false;
  std::string location;
  int64_t iat = -1;
  bool cnf = false;
  std::string out;
  std::string payload_file;
};

struct ShowOptions {
  std::string file;
  bool json = false;
};

Result<cbor::Value> X5ChainHeader(const std::string& path) {
  SCITT_ASSIGN_OR_RETURN(std::string pem, ReadTextFile(path));
  SCITT_ASSIGN_OR_RETURN(auto certs, crypto::Certificate::ParsePemBundle(pem));
  // RFC 9360 §2: one certificate is a bare bstr, several an array, leaf first.
  if (certs.size() == 1) return cbor::Value::ByteString(certs[0].der());
  cbor::Array items;
  for (const auto& cert : certs) items.push_back(cbor::Value::ByteString(cert.der()));
  return cbor::Value::FromArray(std::move(items));
}

Result<cbor::Value> ProtectedHeader(const SignOptions& opts, const crypto::PrivateKey& key,
                                    crypto::Algorithm alg) {
  namespace h = cose::header;
  cbor::Map claims = {cbor::Entry(cose::claim::kIss, cbor::Value::Text(opts.issuer)),
                      cbor::Entry(cose::claim::kSub, cbor::Value::Text(opts.subject))};
  int64_t iat = opts.iat >= 0 ? opts.iat : static_cast<int64_t>(std::time(nullptr));
  claims.push_back(cbor::Entry(cose::claim::kIat, cbor::Value::Int(iat)));
  if (opts.cnf) {
    // RFC 8747 §3.2: the key itself as proof-of-possession (self-asserted).
    cbor::Value cose_key = cose::ToCoseKey(key.public_key(), std::nullopt, alg);
    claims.push_back(cbor::Entry(cose::claim::kCnf,
                                 cbor::Value::FromMap({cbor::Entry(cose::claim::kCnfCoseKey, std::move(cose_key))})));
  }

  cbor::Map headers = {cbor::Entry(h::kAlg, cbor::Value::Int(crypto::CoseId(alg))),
                       cbor::Entry(h::kCwtClaims, cbor::Value::FromMap(std::move(claims)))};
  if (opts.x5chain_file.empty() && !opts.cnf) {
    // RFC 9943: without a protected x5chain/x5t the kid must identify the key.
    auto kid = key.public_key().Thumbprint();
    headers.push_back(cbor::Entry(h::kKid, cbor::Value::ByteString(ByteView(kid))));
  } else if (!opts.x5chain_file.empty()) {
    SCITT_ASSIGN_OR_RETURN(cbor::Value chain, X5ChainHeader(opts.x5chain_file));
    headers.push_back(cbor::Entry(h::kX5Chain, std::move(chain)));
  }
  if (!opts.typ.empty()) headers.push_back(cbor::Entry(h::kTyp, cbor::Value::Text(opts.typ)));
  if (opts.hash_envelope) {
    // RFC 9995: content type (3) is forbidden; 259 names the preimage's type.
    headers.push_back(cbor::Entry(h::kPayloadHashAlg, cbor::Value::Int(crypto::CoseId(crypto::HashAlgorithm::kSha256))));
    headers.push_back(cbor::Entry(h::kPreimageContentType, cbor::Value::Text(opts.content_type)));
    if (!opts.location.empty()) {
      headers.push_back(cbor::Entry(h::kPayloadLocation, cbor::Value::Text(opts.location)));
    }
  } else {
    headers.push_back(cbor::Entry(h::kContentType, cbor::Value::Text(opts.content_type)));
  }
  return cbor::Value::FromMap(std::move(headers));
}

int Sign(const SignOptions& opts) {
  if (!opts.location.empty() && !opts.hash_envelope) {
    return ReportError("--location needs --hash-envelope");
  }
  auto pem = ReadTextFile(opts.key_file);
  if (!pem.ok()) return ReportError(pem.error());
  auto key = crypto::PrivateKey::FromPem(*pem);
  if (!key.ok()) return ReportError(opts.key_file + ": " + key.error().message);
  crypto::Algorithm alg = key->default_algorithm();
  if (!opts.alg.empty()) {
    auto named = crypto::AlgorithmFromName(opts.alg);
    if (!named) return ReportError("unknown algorithm " + opts.alg);
    alg = *named;
  }
  auto artifact = ReadFile(opts.payload_file);
  if (!artifact.ok()) return ReportError(artifact.error());
  auto protected_map = ProtectedHeader(opts, *key, alg);
  if (!protected_map.ok()) return ReportError(protected_map.error());

  Bytes payload = *artifact;
  if (opts.hash_envelope) payload = crypto::Digest(crypto::HashAlgorithm::kSha256, *artifact);
  cose::Sign1Content content;
  content.protected_map = *protected_map;
  content.payload = payload;
  auto signed_statement = cose::SignSign1(content, *key);
  if (!signed_statement.ok()) return ReportError(signed_statement.error());
  return WriteOutput(opts.out, *signed_statement);
}

}  // namespace

void AddStatementCommands(CLI::App& app, Action* action) {
  CLI::App* statement = app.add_subcommand("statement", "Sign and inspect COSE signed statements");
  statement->require_subcommand(1);

  auto sign = std::make_shared<SignOptions>();
  CLI::App* sign_cmd = statement->add_subcommand(
      "sign", "Sign PAYLOAD_FILE as a COSE_Sign1 signed statement (RFC 9943)");
  sign_cmd->add_option("PAYLOAD_FILE", sign->payload_file, "The statement (or, with --hash-envelope, the artifact)")
      ->required();
  sign_cmd->add_option("--key", sign->key_file, "Issuer private key, PEM")->required();
  sign_cmd->add_option("--issuer", sign->issuer, "CWT iss: the issuer's identifier")->required();
  sign_cmd->add_option("--subject", sign->subject, "CWT sub: the artifact the statement is about")->required();
  sign_cmd->add_option("--content-type", sign->content_type, "Media type of the payload (or preimage)")->required();
  sign_cmd->add_option("--out", sign->out, "Where to write the signed statement")->required();
  sign_cmd->add_option("--x5chain", sign->x5chain_file, "Certificate chain PEM, leaf first; replaces kid");
  sign_cmd->add_flag("--hash-envelope", sign->hash_envelope,
                     "Sign SHA-256(PAYLOAD_FILE) with headers 258/259 (RFC 9995)");
  sign_cmd->add_option("--location", sign->location, "payload-location (260) for a hash envelope");
  sign_cmd->add_option("--typ", sign->typ, "typ (16) header, e.g. application/example+cose");
  sign_cmd->add_option("--alg", sign->alg, "Override the key's default algorithm");
  sign_cmd->add_option("--iat", sign->iat, "CWT iat in seconds since the epoch (default: now)");
  sign_cmd->add_flag("--cnf", sign->cnf, "Carry the public key in the CWT cnf claim (self-asserted, RFC 8747) instead of a kid");
  sign_cmd->callback([sign, action] { *action = [sign] { return Sign(*sign); }; });

  auto show = std::make_shared<ShowOptions>();
  CLI::App* show_cmd = statement->add_subcommand(
      "show", "Print a statement, receipt or transparent statement: headers, claims, receipts and proofs");
  show_cmd->add_option("FILE", show->file, "COSE file")->required();
  show_cmd->add_flag("--json", show->json, "Machine-readable JSON");
  show_cmd->callback([show, action] { *action = [show] { return ShowStatement(show->file, show->json); }; });
}

}  // namespace scitt::cli
