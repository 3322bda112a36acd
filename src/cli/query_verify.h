// `scitt query … --verify`: every entry an evidence answer cites is checked
// against the log, so the answer is as good as the receipts behind it.
#pragma once

#include <nlohmann/json.hpp>

#include "cli/client.h"

namespace scitt::cli {

// For each distinct entry named in `answer` (any object with an "entry"
// field, at any depth): fetches its registered statement and receipt
// (GET /entries/{entry}/statement and /entries/{entry}), checks the receipt
// against the service's keys (/.well-known/scitt-keys), and re-derives the
// statement's edges with this binary's own parsers: every edge the answer
// attributes to that entry (an object with "entry", "kind", "from", "to")
// must be among them. Prints one line per failure on stderr and a summary on
// stdout; returns kExitOk when all hold, kExitCheckFailed otherwise
// (kExitUnusable when the service cannot be asked).
int VerifyAnswer(const ClientFlags& client, const nlohmann::json& answer);

}  // namespace scitt::cli
