// SPDX license expressions (evidence/formats/license_expression.h): the
// grammar of SPDX 2.3 Annex D, canonical spacing, and what a deny list
// makes of AND, OR and WITH.
#include "evidence/formats/license_expression.h"

#include <set>
#include <string>

#include <gtest/gtest.h>

namespace scitt::evidence {
namespace {

TEST(LicenseExpression, CanonicalSpacingAndOperators) {
  EXPECT_EQ(CanonicalLicenseExpression("MIT"), "MIT");
  EXPECT_EQ(CanonicalLicenseExpression("  ( LGPL-2.0-only   OR LicenseRef-3 )\n"), "LGPL-2.0-only OR LicenseRef-3");
  // Parentheses only where precedence needs them; same operators flattened.
  EXPECT_EQ(CanonicalLicenseExpression("(MIT OR (Apache-2.0 OR ((BSD-2-Clause))))"), "MIT OR Apache-2.0 OR BSD-2-Clause");
  EXPECT_EQ(CanonicalLicenseExpression("(MIT AND Zlib) OR Apache-2.0"), "MIT AND Zlib OR Apache-2.0");
  EXPECT_EQ(CanonicalLicenseExpression("(MIT OR Zlib) AND (Apache-2.0 AND (BSD-3-Clause OR ISC))"),
            "(MIT OR Zlib) AND Apache-2.0 AND (BSD-3-Clause OR ISC)");
  EXPECT_EQ(CanonicalLicenseExpression("mit and apache-2.0"), "mit AND apache-2.0");
  EXPECT_EQ(CanonicalLicenseExpression("GPL-2.0-or-later WITH Classpath-exception-2.0 OR MIT"),
            "GPL-2.0-or-later WITH Classpath-exception-2.0 OR MIT");
  EXPECT_EQ(CanonicalLicenseExpression("GPL-2.0+"), "GPL-2.0+");
  EXPECT_EQ(CanonicalLicenseExpression("DocumentRef-spdx-tool-1.2:LicenseRef-MIT-Style-2"),
            "DocumentRef-spdx-tool-1.2:LicenseRef-MIT-Style-2");
  EXPECT_EQ(CanonicalLicenseExpression("(MIT)"), "MIT");
}

TEST(LicenseExpression, NamesAndBrokenExpressionsAreNotExpressions) {
  for (const char* text :
       {"", "   ", "Apache License 2.0", "GNU General Public License, version 2", "MIT AND", "OR MIT", "(MIT",
        "MIT)", "MIT OR OR BSD-3-Clause", "MIT WITH", "LicenseRef-x WITH Classpath-exception-2.0", "GPL+2.0",
        "LicenseRef-", "DocumentRef-:LicenseRef-a", "MIT BSD", "MIT Or BSD-3-Clause", "-MIT", "a:b"}) {
    EXPECT_EQ(CanonicalLicenseExpression(text), std::nullopt) << text;
  }
  // Nesting and length are bounded (a document may hold a million).
  EXPECT_EQ(CanonicalLicenseExpression(std::string(33, '(') + "MIT" + std::string(33, ')')), std::nullopt);
  EXPECT_TRUE(CanonicalLicenseExpression(std::string(32, '(') + "MIT" + std::string(32, ')')));
  std::string long_or = "MIT";
  for (int i = 0; i < 3000; ++i) long_or += " OR MIT";
  EXPECT_EQ(CanonicalLicenseExpression(long_or), std::nullopt);
}

TEST(LicenseExpression, DeniedWhenEveryChoiceIsDenied) {
  const std::set<std::string> list = {"gpl-3.0-only", "agpl-3.0-or-later", "gpl-2.0-only with classpath-exception-2.0"};
  const auto denied = [&](std::string_view license) { return list.contains(LicenseMatchKey(license)); };
  const auto check = [&](const char* expression) { return LicenseExpressionDenied(expression, denied); };
  EXPECT_EQ(check("MIT"), false);
  EXPECT_EQ(check("GPL-3.0-only"), true);
  EXPECT_EQ(check("gpl-3.0-ONLY"), true);  // identifiers match case-insensitively (Annex D.1)
  EXPECT_EQ(check("GPL-3.0"), true);       // the deprecated spelling of GPL-3.0-only
  EXPECT_EQ(check("GPL-3.0-or-later"), false);
  EXPECT_EQ(check("AGPL-3.0+"), true);  // the deprecated spelling of AGPL-3.0-or-later
  EXPECT_EQ(check("GPL-3.0-only OR MIT"), false);  // one may choose MIT
  EXPECT_EQ(check("GPL-3.0-only AND MIT"), true);  // both apply
  EXPECT_EQ(check("MIT AND (GPL-3.0-only OR AGPL-3.0-or-later)"), true);
  EXPECT_EQ(check("MIT AND (GPL-3.0-only OR BSD-3-Clause)"), false);
  // AND binds tighter than OR (Annex D.4): MIT alone is a way out.
  EXPECT_EQ(check("MIT OR GPL-3.0-only AND BSD-3-Clause"), false);
  EXPECT_EQ(check("(MIT OR GPL-3.0-only) AND BSD-3-Clause"), false);
  EXPECT_EQ(check("(MIT OR BSD-3-Clause) AND GPL-3.0-only"), true);
  // A denied licence is denied with any exception; a denied combination
  // only as that combination.
  EXPECT_EQ(check("GPL-3.0-only WITH GCC-exception-3.1"), true);
  EXPECT_EQ(check("GPL-2.0-only WITH Classpath-exception-2.0"), true);
  EXPECT_EQ(check("GPL-2.0-only"), false);
  EXPECT_EQ(check("not an expression"), std::nullopt);
}

TEST(LicenseExpression, MatchKeys) {
  EXPECT_EQ(LicenseMatchKey("Apache-2.0"), "apache-2.0");
  EXPECT_EQ(LicenseMatchKey("LGPL-2.1"), "lgpl-2.1-only");
  EXPECT_EQ(LicenseMatchKey("LGPL-2.1+"), "lgpl-2.1-or-later");
  EXPECT_EQ(LicenseMatchKey("GFDL-1.3"), "gfdl-1.3-only");
  EXPECT_EQ(LicenseMatchKey("MPL-1.1+"), "mpl-1.1+");  // no "-or-later" id outside the GNU family
  EXPECT_EQ(LicenseMatchKey("GPL-2.0  WITH  Classpath-exception-2.0"), "gpl-2.0-only with classpath-exception-2.0");
}

}  // namespace
}  // namespace scitt::evidence
