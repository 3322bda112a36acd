// SPDX license expressions (SPDX 2.3 Annex D, the same grammar in SPDX 3.0
// and CycloneDX's "expression"): "MIT", "(LGPL-2.0-only OR LicenseRef-3)",
// "GPL-2.0-or-later WITH Classpath-exception-2.0 AND BSD-3-Clause". The
// indexer writes a component's licence as its canonical text, and appraisal
// asks whether an expression leaves any way to use the software under
// licences a policy does not deny. Hand-written: Debian packages no C or
// C++ parser of SPDX expressions, and the grammar is eleven lines.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace scitt::evidence {

// `text` as one SPDX license expression in canonical form: operators in
// upper case, one space around AND, OR and WITH, parentheses only where
// AND binding tighter than OR needs them ("(A OR B) AND C"), nested
// operands of the same operator flattened; identifiers as written, in the
// order written.
// nullopt when `text` is not an expression (a licence's name, "Apache
// License 2.0", is not): then it is a name.
std::optional<std::string> CanonicalLicenseExpression(std::string_view text);

// Whether every way to satisfy `expression` (canonical or not) uses a
// licence `denied` says yes to: A OR B is denied when both are, A AND B when
// either is. `denied` is asked about each licence identifier, with its
// exception when it has one ("GPL-2.0-only WITH Classpath-exception-2.0"),
// and, for one with an exception, about the identifier alone. nullopt when
// `expression` is not an expression.
std::optional<bool> LicenseExpressionDenied(std::string_view expression,
                                            const std::function<bool(std::string_view)>& denied);

// The form in which two spellings of one licence compare equal: lower
// case, the deprecated GNU forms as their current ids ("GPL-2.0" is
// "gpl-2.0-only", "GPL-2.0+" is "gpl-2.0-or-later"; SPDX License List 3.0
// deprecated the former), and one space around WITH.
std::string LicenseMatchKey(std::string_view license);

}  // namespace scitt::evidence
