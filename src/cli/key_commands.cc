// `scitt key generate` and `scitt key export`.
#include <sys/stat.h>

#include <iostream>
#include <memory>

#include <nlohmann/json.hpp>

#include "base/file.h"
#include "cbor/encoder.h"
#include "cli/commands.h"
#include "cose/cose_key.h"
#include "crypto/key.h"

namespace scitt::cli {
namespace {

struct GenerateOptions {
  std::string alg = "ES256";
  std::string out;
  bool force = false;
};

struct ExportOptions {
  std::string key_file;
  std::string format = "pem";
  std::string out;
};

bool FileExists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

int Generate(const GenerateOptions& opts) {
  auto alg = crypto::AlgorithmFromName(opts.alg);
  if (!alg) return ReportError("unknown algorithm " + opts.alg + " (ES256, ES384, ES512, EdDSA, PS256, PS384, PS512)");
  if (FileExists(opts.out) && !opts.force) {
    return ReportError(opts.out + " already exists (use --force to replace it)");
  }
  auto key = crypto::PrivateKey::Generate(*alg);
  if (!key.ok()) return ReportError(key.error());
  Status written = WriteFile(opts.out, AsBytes(key->ToPem()), /*private_mode=*/true);
  if (!written.ok()) return ReportError(written.error());
  std::cout << HexEncode(key->public_key().Thumbprint()) << "\n";
  return kExitOk;
}

// Private or public PEM: both are accepted so a published key can be exported too.
Result<std::pair<crypto::PublicKey, crypto::Algorithm>> LoadPublic(const std::string& path) {
  SCITT_ASSIGN_OR_RETURN(std::string pem, ReadTextFile(path));
  auto private_key = crypto::PrivateKey::FromPem(pem);
  if (private_key.ok()) {
    return std::make_pair(private_key->public_key(), private_key->default_algorithm());
  }
  auto public_key = crypto::PublicKey::FromPem(pem);
  if (!public_key.ok()) return MakeError(ErrorCode::kMalformed, path + ": not a PEM private or public key");
  crypto::Algorithm alg = crypto::Algorithm::kES256;
  for (auto candidate : {crypto::Algorithm::kES256, crypto::Algorithm::kES384, crypto::Algorithm::kES512,
                         crypto::Algorithm::kEdDSA, crypto::Algorithm::kPS256}) {
    if (public_key->Fits(candidate)) { alg = candidate; break; }
  }
  return std::make_pair(*public_key, alg);
}

int Export(const ExportOptions& opts) {
  auto loaded = LoadPublic(opts.key_file);
  if (!loaded.ok()) return ReportError(loaded.error());
  const auto& [key, alg] = *loaded;
  auto kid = key.Thumbprint();
  Bytes output;
  if (opts.format == "pem") {
    output = ToBytes(key.ToPem());
  } else if (opts.format == "jwk") {
    output = ToBytes(key.ToJwk(HexEncode(kid), alg).dump(2) + "\n");
  } else if (opts.format == "jwks") {
    // A key set of one, ready for `scitt serve --issuer-keys`.
    nlohmann::json set = {{"keys", nlohmann::json::array({key.ToJwk(HexEncode(kid), alg)})}};
    output = ToBytes(set.dump(2) + "\n");
  } else if (opts.format == "cose") {
    Bytes cbor = cbor::Encode(cose::ToCoseKey(key, ByteView(kid), alg));
    // Binary into a file; hex on the terminal.
    output = opts.out.empty() ? ToBytes(HexEncode(cbor) + "\n") : cbor;
  } else {
    return ReportError("unknown format " + opts.format + " (jwk, jwks, cose, pem)");
  }
  if (opts.out.empty()) {
    std::cout.write(reinterpret_cast<const char*>(output.data()), static_cast<std::streamsize>(output.size()));
    return kExitOk;
  }
  return WriteOutput(opts.out, output);
}

}  // namespace

void AddKeyCommands(CLI::App& app, Action* action) {
  CLI::App* key = app.add_subcommand("key", "Generate and export signing keys");
  key->require_subcommand(1);

  auto gen = std::make_shared<GenerateOptions>();
  CLI::App* generate = key->add_subcommand(
      "generate", "Generate a private key (PKCS#8 PEM, mode 0600) and print its kid (RFC 9679 thumbprint, hex)");
  generate->add_option("--alg", gen->alg, "ES256, ES384, ES512, EdDSA, PS256, PS384 or PS512")
      ->capture_default_str();
  generate->add_option("--out", gen->out, "Where to write the private key")->required();
  generate->add_flag("--force", gen->force, "Replace an existing file");
  generate->callback([gen, action] { *action = [gen] { return Generate(*gen); }; });

  auto exp = std::make_shared<ExportOptions>();
  CLI::App* export_cmd = key->add_subcommand(
      "export", "Print the public key of KEY.pem as a JWK, a JWKS, a COSE_Key (hex, or binary with --out) or PEM");
  export_cmd->add_option("KEY", exp->key_file, "Private or public key, PEM")->required();
  export_cmd->add_option("--format", exp->format, "jwk, jwks, cose or pem")->capture_default_str();
  export_cmd->add_option("--out", exp->out, "Write to a file instead of standard output");
  export_cmd->callback([exp, action] { *action = [exp] { return Export(*exp); }; });
}

}  // namespace scitt::cli
