// The canonical purl (ECMA-427, github.com/package-url/purl-spec, "How to
// build a PURL" and "Character encoding"), written here because no Debian
// package offers a C++ purl library. Each component is percent-decoded and
// encoded again the one canonical way, so "pkg:npm/@angular/core" and
// "pkg:npm/%40angular/core" are one node, as are
// "pkg:oci/alpine@sha256%3Aab…" and "pkg:oci/alpine@sha256:ab…".
#include <algorithm>
#include <array>
#include <cctype>
#include <string>
#include <string_view>
#include <vector>

#include "base/text.h"
#include "evidence/formats/parse.h"

namespace scitt::evidence {
namespace {

// Types whose namespace or name (and version) compare without case, from
// the purl-spec type definitions ("case_sensitive": false), read at commit
// 16f3d0e3 of github.com/package-url/purl-spec.
struct CaseRule {
  std::string_view type;
  bool namespace_lower, name_lower, version_lower;
};
constexpr std::array<CaseRule, 19> kCaseRules = {{
    {"alpm", true, true, false},      {"apk", true, true, false},        {"bitbucket", true, true, false},
    {"bitnami", false, true, false},  {"brew", true, true, false},       {"chrome-extension", false, true, false},
    {"composer", true, true, false},  {"deb", true, true, false},        {"github", true, true, false},
    {"hex", true, true, false},       {"huggingface", false, false, true}, {"luarocks", true, true, false},
    {"oci", false, true, true},       {"otp", false, true, false},       {"pypi", false, true, true},
    {"qpkg", true, false, false},     {"rpm", true, false, false},       {"vscode-extension", true, true, true},
    {"yocto", true, false, false},
}};

void Lower(std::string& text) { text = AsciiLower(text); }

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// "%XX" triplets to their octets; a '%' not followed by two hex digits
// stays a '%' (and is encoded as "%25").
std::string Decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size()) {
      const int high = HexValue(text[i + 1]);
      const int low = HexValue(text[i + 2]);
      if (high >= 0 && low >= 0) {
        out += static_cast<char>(high * 16 + low);
        i += 2;
        continue;
      }
    }
    out += text[i];
  }
  return out;
}

// Every octet but the alphanumerics, ".-_~" and ':' as an upper-case
// triplet ("Character encoding": these "shall not be percent-encoded",
// and the separators are encoded where they are data).
std::string Encode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    const auto octet = static_cast<unsigned char>(c);
    if (std::isalnum(octet) != 0 || c == '.' || c == '-' || c == '_' || c == '~' || c == ':') {
      out += c;
    } else {
      out += '%';
      out += kHex[octet >> 4];
      out += kHex[octet & 0xf];
    }
  }
  return out;
}

// `text` split on '/', without empty segments (and, for a subpath, "." and
// "..": "How to build", subpath).
std::vector<std::string> Segments(std::string_view text, bool subpath) {
  std::vector<std::string> out;
  while (!text.empty()) {
    const size_t slash = text.find('/');
    std::string segment = Decode(text.substr(0, slash));
    text = slash == std::string_view::npos ? std::string_view() : text.substr(slash + 1);
    if (segment.empty() || (subpath && (segment == "." || segment == ".."))) continue;
    out.push_back(std::move(segment));
  }
  return out;
}

}  // namespace

PurlParts SplitPurlVersion(std::string_view purl) {
  const std::string_view path = purl.substr(0, purl.find_first_of("?#"));
  const size_t slash = path.rfind('/');
  const size_t at = path.rfind('@');
  if (at == std::string_view::npos || (slash != std::string_view::npos && at < slash)) return {path, {}};
  return {path.substr(0, at), path.substr(at + 1)};
}

std::string NormalizePurl(std::string_view purl) {
  if (purl.size() < 4) return std::string(purl);
  std::string scheme(purl.substr(0, 4));
  Lower(scheme);
  if (scheme != "pkg:") return std::string(purl);
  std::string_view rest = purl.substr(4);
  while (rest.starts_with('/')) rest.remove_prefix(1);  // "pkg://npm/…" ("How to parse")
  std::string_view subpath;
  if (const size_t hash = rest.find('#'); hash != std::string_view::npos) {
    subpath = rest.substr(hash + 1);
    rest = rest.substr(0, hash);
  }
  std::string_view qualifiers;
  if (const size_t question = rest.find('?'); question != std::string_view::npos) {
    qualifiers = rest.substr(question + 1);
    rest = rest.substr(0, question);
  }
  const size_t slash = rest.find('/');
  if (slash == std::string_view::npos || slash == 0) return std::string(purl);
  std::string type(rest.substr(0, slash));
  Lower(type);
  rest = rest.substr(slash + 1);
  // The version follows the last '@' after the last '/' (an npm scope's
  // '@' written unencoded is part of the namespace).
  std::string_view version;
  const size_t last_slash = rest.rfind('/');
  if (const size_t at = rest.rfind('@'); at != std::string_view::npos &&
                                         (last_slash == std::string_view::npos || at > last_slash)) {
    version = rest.substr(at + 1);
    rest = rest.substr(0, at);
  }
  std::vector<std::string> path = Segments(rest, /*subpath=*/false);
  if (path.empty()) return std::string(purl);
  std::string name = std::move(path.back());
  path.pop_back();
  std::string decoded_version = Decode(version);

  const auto rule = std::find_if(kCaseRules.begin(), kCaseRules.end(), [&](const CaseRule& r) { return r.type == type; });
  if (rule != kCaseRules.end()) {
    if (rule->namespace_lower) std::for_each(path.begin(), path.end(), Lower);
    if (rule->name_lower) Lower(name);
    if (rule->version_lower) Lower(decoded_version);
  }
  if (type == "pypi") std::replace(name.begin(), name.end(), '_', '-');  // pypi-definition.json

  std::string out = "pkg:" + type + "/";
  for (const std::string& segment : path) out += Encode(segment) + "/";
  out += Encode(name);
  if (!version.empty()) out += "@" + Encode(decoded_version);
  std::vector<std::pair<std::string, std::string>> pairs;
  while (!qualifiers.empty()) {
    const size_t amp = qualifiers.find('&');
    const std::string_view pair = qualifiers.substr(0, amp);
    qualifiers = amp == std::string_view::npos ? std::string_view() : qualifiers.substr(amp + 1);
    const size_t equals = pair.find('=');
    // A qualifier with an empty value is the same as no qualifier.
    if (equals == std::string_view::npos || equals + 1 == pair.size()) continue;
    std::string key(pair.substr(0, equals));
    Lower(key);
    pairs.emplace_back(std::move(key), Encode(Decode(pair.substr(equals + 1))));
  }
  std::stable_sort(pairs.begin(), pairs.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  for (size_t i = 0; i < pairs.size(); ++i) out += (i == 0 ? "?" : "&") + pairs[i].first + "=" + pairs[i].second;
  const std::vector<std::string> subpath_segments = Segments(subpath, /*subpath=*/true);
  for (size_t i = 0; i < subpath_segments.size(); ++i) out += (i == 0 ? "#" : "/") + Encode(subpath_segments[i]);
  return out;
}

}  // namespace scitt::evidence
