#include "evidence/formats/license_expression.h"

#include <cctype>
#include <cstdint>
#include <regex>
#include <vector>

#include "base/text.h"

namespace scitt::evidence {
namespace {

// Bounds on what one expression may cost: a document may hold a million.
constexpr size_t kMaxTokens = 4096;
constexpr int kMaxNesting = 32;

bool IsIdChar(char c) {
  // idstring = 1*(ALPHA / DIGIT / "-" / "."); ":" joins DocumentRef- and
  // LicenseRef-, "+" ends an "or later" identifier.
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '.' || c == ':' || c == '+';
}

enum class Operator { kNone, kAnd, kOr, kWith };

// "Operators … should be matched in a case-sensitive manner" (Annex D.2);
// tools write them all upper or all lower case, and both are read here.
Operator OperatorOf(std::string_view word) {
  if (word == "AND" || word == "and") return Operator::kAnd;
  if (word == "OR" || word == "or") return Operator::kOr;
  if (word == "WITH" || word == "with") return Operator::kWith;
  return Operator::kNone;
}

bool IsLicenseRef(std::string_view word) {
  if (word.starts_with("DocumentRef-")) {
    const size_t colon = word.find(':');
    if (colon == std::string_view::npos || colon == 12) return false;
    word = word.substr(colon + 1);
  }
  return word.starts_with("LicenseRef-") && word.size() > 11 && word.find(':') == std::string_view::npos &&
         word.find('+') == std::string_view::npos;
}

// A license-id ("+" only at its end) or a license-ref.
bool IsLicense(std::string_view word) {
  if (word.empty() || OperatorOf(word) != Operator::kNone) return false;
  if (word.find(':') != std::string_view::npos || word.starts_with("LicenseRef-")) return IsLicenseRef(word);
  const size_t plus = word.find('+');
  return std::isalnum(static_cast<unsigned char>(word.front())) != 0 &&
         (plus == std::string_view::npos || (plus == word.size() - 1 && plus > 0));
}

bool IsException(std::string_view word) {
  return !word.empty() && OperatorOf(word) == Operator::kNone && std::isalnum(static_cast<unsigned char>(word[0])) &&
         word.find_first_of(":+") == std::string_view::npos;
}

// The expression as a tree: kLicense leaves (with an exception when WITH
// follows), kAnd / kOr with their operands, kGroup for a parenthesis as
// written.
struct Term {
  enum Kind { kLicense, kAnd, kOr, kGroup } kind = kLicense;
  std::string_view license, exception;
  std::vector<size_t> operands;  // indexes into Parser::terms
};

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  // The root's index, or nullopt.
  std::optional<size_t> Parse() {
    if (!Tokenize() || tokens_.empty()) return std::nullopt;
    const auto root = Or(0);
    if (!root || at_ != tokens_.size()) return std::nullopt;
    return root;
  }

  std::vector<Term> terms;

 private:
  bool Tokenize() {
    for (size_t i = 0; i < text_.size();) {
      const char c = text_[i];
      if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
        ++i;
      } else if (c == '(' || c == ')') {
        tokens_.push_back(text_.substr(i++, 1));
      } else if (IsIdChar(c)) {
        const size_t start = i;
        while (i < text_.size() && IsIdChar(text_[i])) ++i;
        tokens_.push_back(text_.substr(start, i - start));
      } else {
        return false;
      }
      if (tokens_.size() > kMaxTokens) return false;
    }
    return true;
  }

  std::string_view Peek() const { return at_ < tokens_.size() ? tokens_[at_] : std::string_view(); }

  size_t Add(Term term) {
    terms.push_back(std::move(term));
    return terms.size() - 1;
  }

  // Operands joined by `op` (AND binds tighter than OR: Annex D.4).
  std::optional<size_t> Joined(Operator op, Term::Kind kind, int nesting) {
    auto first = op == Operator::kOr ? Joined(Operator::kAnd, Term::kAnd, nesting) : Primary(nesting);
    if (!first) return std::nullopt;
    Term joined{.kind = kind, .operands = {*first}};
    while (OperatorOf(Peek()) == op) {
      ++at_;
      auto next = op == Operator::kOr ? Joined(Operator::kAnd, Term::kAnd, nesting) : Primary(nesting);
      if (!next) return std::nullopt;
      joined.operands.push_back(*next);
    }
    if (joined.operands.size() == 1) return first;
    return Add(std::move(joined));
  }

  std::optional<size_t> Or(int nesting) { return Joined(Operator::kOr, Term::kOr, nesting); }

  std::optional<size_t> Primary(int nesting) {
    const std::string_view token = Peek();
    ++at_;
    if (token == "(") {
      if (nesting >= kMaxNesting) return std::nullopt;
      const auto inner = Or(nesting + 1);
      if (!inner || Peek() != ")") return std::nullopt;
      ++at_;
      return Add(Term{.kind = Term::kGroup, .operands = {*inner}});
    }
    if (!IsLicense(token)) return std::nullopt;
    Term license{.kind = Term::kLicense, .license = token};
    if (OperatorOf(Peek()) == Operator::kWith) {
      ++at_;
      if (!IsException(Peek()) || IsLicenseRef(token)) return std::nullopt;
      license.exception = Peek();
      ++at_;
    }
    return Add(std::move(license));
  }

  std::string_view text_;
  std::vector<std::string_view> tokens_;
  size_t at_ = 0;
};

// The term a group stands for, through any number of parentheses.
size_t Unwrapped(const std::vector<Term>& terms, size_t at) {
  while (terms[at].kind == Term::kGroup) at = terms[at].operands[0];
  return at;
}

// The operands of an AND or OR, with those of nested ANDs (ORs) of the same
// operator in their place: "(A AND B) AND C" is "A AND B AND C".
void Operands(const std::vector<Term>& terms, size_t at, Term::Kind kind, std::vector<size_t>& out) {
  for (const size_t operand : terms[at].operands) {
    const size_t inner = Unwrapped(terms, operand);
    if (terms[inner].kind == kind) {
      Operands(terms, inner, kind, out);
    } else {
      out.push_back(inner);
    }
  }
}

// Parentheses only where AND binding tighter than OR needs them, so that
// "(MIT OR Apache-2.0)" and "MIT OR Apache-2.0" are one licence: tools
// differ in the parentheses they write around the same expression.
// Recursion depth is bounded by kMaxNesting.
void Render(const std::vector<Term>& terms, size_t at, bool in_and, std::string& out) {
  at = Unwrapped(terms, at);
  const Term& term = terms[at];
  if (term.kind == Term::kLicense) {
    out += term.license;
    if (!term.exception.empty()) (out += " WITH ") += term.exception;
    return;
  }
  std::vector<size_t> operands;
  Operands(terms, at, term.kind, operands);
  const bool parenthesised = in_and && term.kind == Term::kOr;
  if (parenthesised) out += '(';
  for (size_t i = 0; i < operands.size(); ++i) {
    if (i > 0) out += term.kind == Term::kAnd ? " AND " : " OR ";
    Render(terms, operands[i], term.kind == Term::kAnd, out);
  }
  if (parenthesised) out += ')';
}

bool Denied(const std::vector<Term>& terms, size_t at, const std::function<bool(std::string_view)>& denied) {
  const Term& term = terms[at];
  switch (term.kind) {
    case Term::kLicense:
      if (denied(term.license)) return true;
      return !term.exception.empty() && denied(std::string(term.license) + " WITH " + std::string(term.exception));
    case Term::kGroup: return Denied(terms, term.operands[0], denied);
    case Term::kAnd:
      for (const size_t operand : term.operands) {
        if (Denied(terms, operand, denied)) return true;
      }
      return false;
    case Term::kOr:
      for (const size_t operand : term.operands) {
        if (!Denied(terms, operand, denied)) return false;
      }
      return true;
  }
  return true;
}

}  // namespace

std::optional<std::string> CanonicalLicenseExpression(std::string_view text) {
  Parser parser(text);
  const auto root = parser.Parse();
  if (!root) return std::nullopt;
  std::string out;
  Render(parser.terms, *root, false, out);
  return out;
}

std::optional<bool> LicenseExpressionDenied(std::string_view expression,
                                            const std::function<bool(std::string_view)>& denied) {
  Parser parser(expression);
  const auto root = parser.Parse();
  if (!root) return std::nullopt;
  return Denied(parser.terms, *root, denied);
}

std::string LicenseMatchKey(std::string_view license) {
  std::string out;
  // "X WITH Y" in any spacing or case is "x with y".
  for (size_t i = 0; i < license.size();) {
    while (i < license.size() && std::isspace(static_cast<unsigned char>(license[i]))) ++i;
    const size_t start = i;
    while (i < license.size() && !std::isspace(static_cast<unsigned char>(license[i]))) ++i;
    if (start == i) break;
    std::string word = AsciiLower(license.substr(start, i - start));
    // The GNU licences before SPDX License List 3.0: "GPL-2.0" is
    // GPL-2.0-only, "GPL-2.0+" GPL-2.0-or-later.
    static const std::regex kGnu("(a|l)?gpl-[0-9]\\.[0-9]|gfdl-1\\.[0-9]");
    if (word.ends_with('+') && std::regex_match(word.substr(0, word.size() - 1), kGnu)) {
      word = word.substr(0, word.size() - 1) + "-or-later";
    } else if (std::regex_match(word, kGnu)) {
      word += "-only";
    }
    (out += out.empty() ? "" : " ") += word;
  }
  return out;
}

}  // namespace scitt::evidence
