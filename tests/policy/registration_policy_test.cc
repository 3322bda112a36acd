// Registration policies: the JSON document, every declarative rule, and the
// Duktape script hook (arguments, results, errors, bounds, threads).
#include "policy/registration_policy.h"

#include <gtest/gtest.h>

#include <atomic>
#include <nlohmann/json.hpp>
#include <thread>

#include "cbor/encoder.h"
#include "cose/labels.h"
#include "policy/script_arguments.h"

namespace scitt::policy {
namespace {

using cbor::Entry;
using cbor::Value;

std::shared_ptr<const RegistrationPolicy> Load(const std::string& text) {
  auto policy = RegistrationPolicy::FromJson(text);
  EXPECT_TRUE(policy.ok()) << policy.error().message;
  return policy.ok() ? *policy : RegistrationPolicy::Default();
}

std::string LoadError(const std::string& text) {
  auto policy = RegistrationPolicy::FromJson(text);
  EXPECT_FALSE(policy.ok()) << text;
  return policy.ok() ? "" : policy.error().message;
}

std::string ScriptPolicy(const std::string& script) {
  return nlohmann::json{{"script", script}}.dump();
}

StatementFacts Facts() {
  StatementFacts facts;
  facts.alg = -7;
  facts.issuer = "https://issuer.example";
  facts.subject = "pkg:npm/left-pad@1.3.0";
  facts.content_type = "application/spdx+json";
  facts.payload_size = 100;
  facts.identity = "issuer-key";
  return facts;
}

StatementFacts HashEnvelopeFacts() {
  StatementFacts facts = Facts();
  facts.content_type.reset();
  facts.hash_envelope = true;
  facts.preimage_content_type = "application/spdx+json";
  facts.payload_size = 32;
  return facts;
}

void ExpectAllowed(const RegistrationPolicy& policy, const StatementFacts& facts) {
  Decision d = policy.Evaluate(facts);
  EXPECT_TRUE(d.allowed) << d.reason;
}

void ExpectRefused(const RegistrationPolicy& policy, const StatementFacts& facts,
                   const std::string& reason_part) {
  Decision d = policy.Evaluate(facts);
  EXPECT_FALSE(d.allowed);
  EXPECT_NE(d.reason.find(reason_part), std::string::npos) << d.reason;
}

TEST(RegistrationPolicyTest, DefaultAllowsEverythingSupported) {
  auto policy = RegistrationPolicy::Default();
  EXPECT_EQ(policy->canonical_json(), "{}");
  for (int64_t alg : {-7, -35, -36, -8, -37, -38, -39}) EXPECT_TRUE(policy->AlgorithmAllowed(alg));
  EXPECT_FALSE(policy->AlgorithmAllowed(-47));  // ES256K: not supported
  EXPECT_FALSE(policy->allow_duplicates());
  ExpectAllowed(*policy, Facts());
  ExpectAllowed(*policy, HashEnvelopeFacts());
  EXPECT_EQ(RegistrationPolicy::Default(), policy);
}

TEST(RegistrationPolicyTest, EmptyDocumentIsTheDefault) {
  auto policy = Load("{}");
  EXPECT_EQ(policy->canonical_json(), "{}");
  ExpectAllowed(*policy, Facts());
}

TEST(RegistrationPolicyTest, CanonicalJsonSortsKeysAndIsStable) {
  std::string text = R"({
    "subjects": ["pkg:npm/*"],
    "allow_duplicates": true,
    "max_payload_bytes": 1048576,
    "issuers": {"prefixes": ["did:x509:0:sha256:abc::"], "exact": ["https://a.example"]},
    "allowed_algorithms": ["ES256", "EdDSA"],
    "hash_envelope": "optional"
  })";
  auto policy = Load(text);
  EXPECT_EQ(policy->canonical_json(),
            R"({"allow_duplicates":true,"allowed_algorithms":["ES256","EdDSA"],)"
            R"("hash_envelope":"optional","issuers":{"exact":["https://a.example"],)"
            R"("prefixes":["did:x509:0:sha256:abc::"]},"max_payload_bytes":1048576,)"
            R"("subjects":["pkg:npm/*"]})");
  // Loading the canonical form gives the same canonical form.
  EXPECT_EQ(Load(policy->canonical_json())->canonical_json(), policy->canonical_json());
  EXPECT_TRUE(policy->allow_duplicates());
}

TEST(RegistrationPolicyTest, AllowedAlgorithms) {
  auto policy = Load(R"({"allowed_algorithms": ["ES256", "EdDSA"]})");
  EXPECT_TRUE(policy->AlgorithmAllowed(-7));
  EXPECT_TRUE(policy->AlgorithmAllowed(-8));
  EXPECT_FALSE(policy->AlgorithmAllowed(-35));
  ExpectAllowed(*policy, Facts());
  StatementFacts facts = Facts();
  facts.alg = -35;
  ExpectRefused(*policy, facts, "algorithm ES384 is not allowed");
  facts.alg = -47;
  ExpectRefused(*policy, facts, "algorithm -47 is not allowed");

  EXPECT_NE(LoadError(R"({"allowed_algorithms": ["ES257"]})").find("unknown algorithm \"ES257\""),
            std::string::npos);
  EXPECT_NE(LoadError(R"({"allowed_algorithms": ["es256"]})").find("supported: ES256, ES384"),
            std::string::npos);
  EXPECT_NE(LoadError(R"({"allowed_algorithms": []})").find("non-empty array"), std::string::npos);
  EXPECT_NE(LoadError(R"({"allowed_algorithms": "ES256"})").find("non-empty array"),
            std::string::npos);
  EXPECT_NE(LoadError(R"({"allowed_algorithms": [-7]})").find("only strings"), std::string::npos);
}

TEST(RegistrationPolicyTest, Issuers) {
  auto policy = Load(R"({"issuers": {"exact": ["https://issuer.example"],
                                     "prefixes": ["did:x509:0:sha256:abc::"]}})");
  ExpectAllowed(*policy, Facts());
  StatementFacts facts = Facts();
  facts.issuer = "did:x509:0:sha256:abc::eku:1.2.3";
  ExpectAllowed(*policy, facts);
  facts.issuer = "https://issuer.example/other";
  ExpectRefused(*policy, facts, "issuer \"https://issuer.example/other\" is not allowed");
  facts.issuer = "did:x509:0:sha256:abd::eku:1.2.3";
  ExpectRefused(*policy, facts, "is not allowed by the registration policy");

  auto exact_only = Load(R"({"issuers": {"exact": ["https://issuer.example"]}})");
  ExpectAllowed(*exact_only, Facts());
  ExpectRefused(*exact_only, facts, "not allowed");
  auto prefix_only = Load(R"({"issuers": {"prefixes": ["https://"]}})");
  ExpectAllowed(*prefix_only, Facts());
  ExpectRefused(*prefix_only, facts, "not allowed");

  EXPECT_NE(LoadError(R"({"issuers": {}})").find("\"exact\" or \"prefixes\""), std::string::npos);
  EXPECT_NE(LoadError(R"({"issuers": ["https://a"]})").find("must be an object"),
            std::string::npos);
  EXPECT_NE(LoadError(R"({"issuers": {"exact": ["a"], "regex": ["b"]}})")
                .find("unknown key \"regex\" in \"issuers\""),
            std::string::npos);
  EXPECT_NE(LoadError(R"({"issuers": {"exact": []}})").find("issuers.exact"), std::string::npos);
}

TEST(RegistrationPolicyTest, SubjectPatterns) {
  auto policy = Load(R"({"subjects": ["pkg:npm/*", "pkg:oci/example.com/*@sha256:*", "exact"]})");
  StatementFacts facts = Facts();
  for (const char* ok : {"pkg:npm/left-pad@1.3.0", "pkg:npm/", "pkg:oci/example.com/app@sha256:ab",
                         "pkg:oci/example.com/a/b@sha256:", "exact"}) {
    facts.subject = ok;
    ExpectAllowed(*policy, facts);
  }
  for (const char* bad : {"pkg:pypi/x", "pkg:npm", "pkg:oci/example.com/app", "exactly", "xexact",
                          "pkg:oci/other.com/app@sha256:ab"}) {
    facts.subject = bad;
    ExpectRefused(*policy, facts, "matches none of the subject patterns");
  }
  auto anything = Load(R"({"subjects": ["*"]})");
  facts.subject = "whatever at all";
  ExpectAllowed(*anything, facts);
  auto middle = Load(R"({"subjects": ["a*b*c"]})");
  for (const char* ok : {"abc", "aXbYc", "abbbc", "a*b*c", "abcbc"}) {
    facts.subject = ok;
    ExpectAllowed(*middle, facts);
  }
  for (const char* bad : {"ab", "acb", "abcd", "Abc"}) {
    facts.subject = bad;
    ExpectRefused(*middle, facts, "matches none");
  }
}

TEST(RegistrationPolicyTest, ContentTypes) {
  auto policy =
      Load(R"({"content_types": ["application/spdx+json", "application/vnd.cyclonedx+json"]})");
  ExpectAllowed(*policy, Facts());
  StatementFacts facts = Facts();
  facts.content_type = "Application/SPDX+JSON";  // media types are case-insensitive
  ExpectAllowed(*policy, facts);
  facts.content_type = "text/plain";
  ExpectRefused(*policy, facts, "content type \"text/plain\" is not allowed");
  facts.content_type.reset();
  ExpectRefused(*policy, facts, "has no content type (3)");
  // A hash envelope has no content type; content_types does not apply to it.
  ExpectAllowed(*policy, HashEnvelopeFacts());
}

TEST(RegistrationPolicyTest, PreimageContentTypes) {
  auto policy = Load(R"({"preimage_content_types": ["application/spdx+json"]})");
  ExpectAllowed(*policy, HashEnvelopeFacts());
  StatementFacts facts = HashEnvelopeFacts();
  facts.preimage_content_type = "application/json";
  ExpectRefused(*policy, facts, "preimage content type \"application/json\" is not allowed");
  facts.preimage_content_type.reset();
  ExpectRefused(*policy, facts, "no preimage-content-type (259)");
  ExpectAllowed(*policy, Facts());  // not a hash envelope
}

TEST(RegistrationPolicyTest, HashEnvelopeRule) {
  auto required = Load(R"({"hash_envelope": "required"})");
  ExpectAllowed(*required, HashEnvelopeFacts());
  ExpectRefused(*required, Facts(), "requires a hash envelope");
  auto forbidden = Load(R"({"hash_envelope": "forbidden"})");
  ExpectAllowed(*forbidden, Facts());
  ExpectRefused(*forbidden, HashEnvelopeFacts(), "does not accept hash envelopes");
  auto optional = Load(R"({"hash_envelope": "optional"})");
  ExpectAllowed(*optional, Facts());
  ExpectAllowed(*optional, HashEnvelopeFacts());
  EXPECT_NE(LoadError(R"({"hash_envelope": "sometimes"})").find("\"required\", \"forbidden\""),
            std::string::npos);
  EXPECT_NE(LoadError(R"({"hash_envelope": true})").find("hash_envelope"), std::string::npos);
}

TEST(RegistrationPolicyTest, MaxPayloadBytes) {
  auto policy = Load(R"({"max_payload_bytes": 100})");
  ExpectAllowed(*policy, Facts());  // exactly 100
  StatementFacts facts = Facts();
  facts.payload_size = 101;
  ExpectRefused(*policy, facts,
                "the payload is 101 bytes; the registration policy accepts at most 100");
  auto zero = Load(R"({"max_payload_bytes": 0})");
  facts.payload_size = 0;
  ExpectAllowed(*zero, facts);
  for (const char* bad : {R"({"max_payload_bytes": -1})", R"({"max_payload_bytes": 1.5})",
                          R"({"max_payload_bytes": "10"})"}) {
    EXPECT_NE(LoadError(bad).find("non-negative integer"), std::string::npos) << bad;
  }
}

TEST(RegistrationPolicyTest, AllowDuplicates) {
  EXPECT_TRUE(Load(R"({"allow_duplicates": true})")->allow_duplicates());
  EXPECT_FALSE(Load(R"({"allow_duplicates": false})")->allow_duplicates());
  EXPECT_NE(LoadError(R"({"allow_duplicates": 1})").find("true or false"), std::string::npos);
}

TEST(RegistrationPolicyTest, MalformedDocuments) {
  EXPECT_NE(LoadError(R"({"subject": ["x"]})").find("unknown key \"subject\""), std::string::npos);
  EXPECT_NE(LoadError("[]").find("must be a JSON object"), std::string::npos);
  EXPECT_NE(LoadError("\"x\"").find("must be a JSON object"), std::string::npos);
  EXPECT_NE(LoadError("").find("not valid JSON"), std::string::npos);
  EXPECT_NE(LoadError("{").find("not valid JSON"), std::string::npos);
  EXPECT_NE(LoadError("{} {}").find("not valid JSON"), std::string::npos);
  EXPECT_NE(LoadError("{\"subjects\": [\"a\"], // comment\n}").find("not valid JSON"),
            std::string::npos);
  EXPECT_NE(
      LoadError(R"({"subjects": ["a"], "subjects": ["b"]})").find("key \"subjects\" appears twice"),
      std::string::npos);
  EXPECT_NE(
      LoadError(R"({"issuers": {"exact": ["a"], "exact": ["b"]}})").find("\"exact\" appears twice"),
      std::string::npos);
  EXPECT_NE(LoadError(R"({"subjects": []})").find("non-empty array"), std::string::npos);
  EXPECT_NE(LoadError(R"({"content_types": [1]})").find("only strings"), std::string::npos);
  EXPECT_NE(LoadError(R"({"script": 1})").find("string of JavaScript"), std::string::npos);
  // Every error names the document.
  EXPECT_EQ(LoadError("[]").rfind("registration policy: ", 0), 0u);
}

TEST(RegistrationPolicyTest, DeclarativeRulesRunBeforeTheScript) {
  auto policy = Load(nlohmann::json{{"subjects", {"pkg:npm/*"}},
                                    {"script", "function apply() { return 'script ran'; }"}}
                         .dump());
  StatementFacts facts = Facts();
  facts.subject = "pkg:pypi/x";
  ExpectRefused(*policy, facts, "matches none of the subject patterns");
  ExpectRefused(*policy, Facts(), "script ran");
}

TEST(PolicyScriptTest, Results) {
  ExpectAllowed(*Load(ScriptPolicy("function apply(p, u, pl, d) { return true; }")), Facts());
  Decision refused = Load(ScriptPolicy("function apply() { return false; }"))->Evaluate(Facts());
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.reason, "policy script refused");
  Decision reason =
      Load(ScriptPolicy("function apply() { return 'SBOMs only, please'; }"))->Evaluate(Facts());
  EXPECT_FALSE(reason.allowed);
  EXPECT_EQ(reason.reason, "SBOMs only, please");
  EXPECT_EQ(Load(ScriptPolicy("function apply() { return ''; }"))->Evaluate(Facts()).reason,
            "policy script refused");
  Decision thrown =
      Load(ScriptPolicy("function apply() { throw new Error('boom'); }"))->Evaluate(Facts());
  EXPECT_FALSE(thrown.allowed);
  EXPECT_EQ(thrown.reason, "policy script failed: Error: boom");
  Decision type_error =
      Load(ScriptPolicy("function apply(p) { return p.nothing.here; }"))->Evaluate(Facts());
  EXPECT_FALSE(type_error.allowed);
  EXPECT_EQ(type_error.reason.rfind("policy script failed: TypeError", 0), 0u) << type_error.reason;
  for (const char* value : {"1", "undefined", "null", "{}", "'x' === 'x' ? 1 : 0"}) {
    Decision odd = Load(ScriptPolicy(std::string("function apply() { return ") + value + "; }"))
                       ->Evaluate(Facts());
    EXPECT_FALSE(odd.allowed) << value;
    EXPECT_NE(odd.reason.find("expected true, false or a string"), std::string::npos) << odd.reason;
  }
}

TEST(PolicyScriptTest, LoadErrors) {
  EXPECT_NE(LoadError(ScriptPolicy("function apply( { return true; }"))
                .find("does not compile: SyntaxError"),
            std::string::npos);
  EXPECT_NE(LoadError(ScriptPolicy("function check() { return true; }"))
                .find("defines no function apply(phdr, uhdr, payload, details)"),
            std::string::npos);
  EXPECT_NE(LoadError(ScriptPolicy("var apply = 3;")).find("defines no function apply"),
            std::string::npos);
  EXPECT_NE(LoadError(ScriptPolicy("throw new Error('at load');")).find("Error: at load"),
            std::string::npos);
  EXPECT_NE(LoadError(ScriptPolicy("")).find("defines no function apply"), std::string::npos);
}

// A script's decision depends only on its arguments: state from one run is
// gone in the next, and the sources of non-determinism are removed.
TEST(PolicyScriptTest, RunsAreIndependentAndDeterministic) {
  auto counter =
      Load(ScriptPolicy("var calls = 0; function apply() { calls++; return calls === 1 ? true : "
                        "'called ' + calls; }"));
  for (int i = 0; i < 5; ++i) ExpectAllowed(*counter, Facts());
  auto closure = Load(ScriptPolicy(
      "var apply = (function() { var n = 0; return function() { return ++n === 1; }; })();"));
  for (int i = 0; i < 5; ++i) ExpectAllowed(*closure, Facts());
  auto builtins =
      Load(ScriptPolicy("function apply() { if (Array.prototype.marked) return 'leaked'; "
                        "Array.prototype.marked = true; return true; }"));
  for (int i = 0; i < 3; ++i) ExpectAllowed(*builtins, Facts());
  ExpectRefused(*Load(ScriptPolicy("function apply() { return Date.now() > 0; }")), Facts(),
                "ReferenceError");
  ExpectRefused(*Load(ScriptPolicy("function apply() { return Math.random() < 2; }")), Facts(),
                "TypeError");
  ExpectAllowed(*Load(ScriptPolicy("function apply() { return Math.max(1, 2) === 2; }")), Facts());
}

TEST(PolicyScriptTest, MemoryIsBounded) {
  auto policy = Load(
      ScriptPolicy("function apply() { var a = [], s = 'x'; for (;;) { s = s + s; a.push(s); } }"));
  Decision d = policy->Evaluate(Facts());
  EXPECT_FALSE(d.allowed);
  EXPECT_NE(d.reason.find("exceeded the memory limit of 32 MiB"), std::string::npos) << d.reason;
  // The policy still works afterwards (the failed heap was dropped).
  auto ok = Load(ScriptPolicy("function apply() { return true; }"));
  ExpectAllowed(*ok, Facts());
}

TEST(PolicyScriptTest, RunningTimeIsBoundedWhenTheScriptAllocates) {
  auto policy = Load(ScriptPolicy("function apply() { for (;;) { var o = {a: [1, 2, 3]}; } }"));
  auto start = std::chrono::steady_clock::now();
  Decision d = policy->Evaluate(Facts());
  auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_FALSE(d.allowed);
  EXPECT_NE(d.reason.find("ran longer than 500 ms"), std::string::npos) << d.reason;
  EXPECT_LT(elapsed, std::chrono::seconds(5));
}

TEST(PolicyScriptTest, SeesHeadersPayloadAndDetails) {
  Value claims = Value::FromMap({Entry(cose::claim::kIss, Value::Text("https://issuer.example")),
                                 Entry(cose::claim::kSub, Value::Text("pkg:npm/left-pad@1.3.0")),
                                 Entry(cose::claim::kIat, Value::Tagged(1, Value::Int(1700000000))),
                                 Entry("svn", Value::Int(3))});
  Value protected_map = Value::FromMap({
      Entry(cose::header::kAlg, Value::Int(-7)),
      Entry(cose::header::kContentType, Value::Text("application/spdx+json")),
      Entry(cose::header::kKid, Value::ByteString(Bytes{0xab, 0xcd})),
      Entry(cose::header::kCwtClaims, claims),
      Entry(cose::header::kTyp, Value::Text("application/example+cose")),
      Entry(cose::header::kX5Chain, Value::ByteString(Bytes{1, 2, 3})),
      Entry(999, Value::FromArray({Value::ByteString(Bytes{0xff}), Value::Bool(true)})),
      Entry("private", Value::Uint(uint64_t{1} << 60)),
  });
  Value unprotected = Value::FromMap({Entry(777, Value::Text("note"))});
  Value message = Value::Tagged(
      18, Value::FromArray({Value::ByteString(cbor::Encode(protected_map)), unprotected,
                            Value::ByteString(AsBytes("hello")), Value::ByteString(Bytes(64, 0))}));
  auto statement = cose::Sign1::Parse(cbor::Encode(message));
  ASSERT_TRUE(statement.ok()) << statement.error().message;

  StatementFacts facts = Facts();
  facts.statement = &*statement;
  facts.payload_size = 5;
  std::string script = R"(
    function apply(phdr, uhdr, payload, details) {
      var checks = [
        phdr.alg === -7, phdr.cty === 'application/spdx+json', phdr.kid === 'abcd',
        phdr.typ === 'application/example+cose',
        phdr.cwt.iss === 'https://issuer.example', phdr.cwt.sub === 'pkg:npm/left-pad@1.3.0',
        phdr.cwt.iat === 1700000000, phdr.cwt.svn === 3,
        phdr.x5chain.length === 1 && phdr.x5chain[0] === 'AQID',
        phdr['999'][0] === 'ff' && phdr['999'][1] === true,
        phdr['private'] === '1152921504606846976',
        uhdr['777'] === 'note',
        payload.size === 5, payload.hex === '68656c6c6f',
        details.identity === 'issuer-key', details.issuer === 'https://issuer.example',
        details.subject === 'pkg:npm/left-pad@1.3.0', details.hash_envelope === false,
        details.alg === 'ES256', details.content_type === 'application/spdx+json',
        details.preimage_content_type === undefined
      ];
      for (var i = 0; i < checks.length; i++) if (!checks[i]) return 'check ' + i + ' failed';
      return true;
    })";
  ExpectAllowed(*Load(ScriptPolicy(script)), facts);
}

TEST(PolicyScriptTest, LargePayloadsArePassedBySizeOnly) {
  Bytes big(kScriptPayloadHexLimit + 1, 0x41);
  Value protected_map = Value::FromMap({Entry(cose::header::kAlg, Value::Int(-7))});
  Bytes encoded = cbor::Encode(Value::Tagged(
      18, Value::FromArray({Value::ByteString(cbor::Encode(protected_map)), Value::FromMap({}),
                            Value::ByteString(big), Value::ByteString(Bytes(64, 0))})));
  auto statement = cose::Sign1::Parse(encoded);
  ASSERT_TRUE(statement.ok());
  StatementFacts facts = Facts();
  facts.statement = &*statement;
  facts.payload_size = big.size();
  auto policy = Load(ScriptPolicy(
      "function apply(p, u, payload) { return payload.hex === undefined && payload.size === " +
      std::to_string(big.size()) + "; }"));
  ExpectAllowed(*policy, facts);
}

TEST(PolicyScriptTest, ThreadSafe) {
  auto policy = Load(ScriptPolicy(
      "function apply(p, u, pl, d) { var s = 0; for (var i = 0; i < 100; i++) s += i; "
      "return d.subject.indexOf('pkg:npm/') === 0 && s === 4950 ? true : 'bad ' + d.subject; }"));
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        StatementFacts facts = Facts();
        bool good = (i + t) % 3 != 0;
        facts.subject = good ? "pkg:npm/a" + std::to_string(i) : "pkg:pypi/b";
        Decision d = policy->Evaluate(facts);
        if (d.allowed != good || (!good && d.reason != "bad pkg:pypi/b")) ++failures;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
}

TEST(ScriptArgumentsTest, CborValues) {
  EXPECT_EQ(CborToScriptValue(Value::Int(-7)), -7);
  EXPECT_EQ(CborToScriptValue(Value::Uint(9007199254740991)), 9007199254740991);
  EXPECT_EQ(CborToScriptValue(Value::Uint(9007199254740992)), "9007199254740992");
  EXPECT_EQ(CborToScriptValue(Value::Int(-9007199254740992)), "-9007199254740992");
  EXPECT_EQ(CborToScriptValue(Value::NegativeFromArgument(UINT64_MAX)), "-18446744073709551616");
  EXPECT_EQ(CborToScriptValue(Value::Uint(UINT64_MAX)), "18446744073709551615");
  EXPECT_EQ(CborToScriptValue(Value::ByteString(Bytes{0x00, 0xff})), "00ff");
  EXPECT_EQ(CborToScriptValue(Value::Tagged(1, Value::Int(5))), 5);
  EXPECT_EQ(CborToScriptValue(Value::Float(1.5)), 1.5);
  EXPECT_TRUE(CborToScriptValue(Value::Float(std::nan(""))).is_null());
  EXPECT_TRUE(CborToScriptValue(Value::Undefined()).is_null());
  EXPECT_TRUE(CborToScriptValue(Value::Null()).is_null());
  EXPECT_EQ(CborToScriptValue(Value::Bool(false)), false);
  nlohmann::json map =
      CborToScriptValue(Value::FromMap({Entry(4, Value::Text("int")),
                                        Entry("4", Value::Text("text")),
                                        {Value::ByteString(Bytes{1}), Value::Int(1)}}));
  EXPECT_EQ(map, (nlohmann::json{{"4", "int"}, {"h'01'", 1}}));
}

}  // namespace
}  // namespace scitt::policy
