// The authentication challenges registries answer a 401 with (RFC 9110
// §11.6.1 WWW-Authenticate), and the Docker token flow they name
// ("Bearer realm=…,service=…,scope=…", distribution's token spec).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace scitt::oci_client {

struct AuthChallenge {
  std::string scheme;                         // lowercase: "basic", "bearer", …
  std::map<std::string, std::string> params;  // names lowercase, values unquoted
  std::string token68;                        // a challenge of the token68 form
};

// Every challenge of a WWW-Authenticate value (several header fields arrive
// joined by ", "): `#challenge`, challenge = auth-scheme [ 1*SP ( token68 /
// #auth-param ) ], auth-param = token BWS "=" BWS ( token / quoted-string ).
// What does not follow the grammar ends the parse; the challenges read so
// far are returned.
std::vector<AuthChallenge> ParseWwwAuthenticate(std::string_view header);

// The token of a token-endpoint response (distribution's token spec:
// {"token": …} or the OAuth {"access_token": …}); kMalformed otherwise, and
// for a token with characters other than visible ASCII (it is sent in a
// header).
Result<std::string> ParseTokenResponse(std::string_view body);

}  // namespace scitt::oci_client
