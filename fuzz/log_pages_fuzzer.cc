// What the auditor decodes from a service it does not trust: the /entries
// and /tree-heads pages (log/pages.h) and an entry's collateral
// (registration/collateral.h). Whatever decodes must encode back to a
// document that decodes to the same values.
#include <cstddef>
#include <cstdint>

#include "cose/sign1.h"
#include "log/pages.h"
#include "registration/collateral.h"

namespace {

// A fixed registered statement to put decoded collateral back into.
const scitt::cose::Sign1& Registered() {
  static const scitt::cose::Sign1 statement = [] {
    const scitt::Bytes bytes = {0xd2, 0x84, 0x43, 0xa1, 0x01, 0x26, 0xa0, 0x41, 0x00, 0x40};
    return *scitt::cose::Sign1::Parse(bytes);
  }();
  return statement;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const scitt::ByteView input(data, size);
  if (auto entries = scitt::log::DecodeEntryPage(input); entries.ok()) {
    auto again = scitt::log::DecodeEntryPage(scitt::log::EncodeEntryPage(*entries));
    if (!again.ok() || again->entries.size() != entries->entries.size() || again->next != entries->next) {
      __builtin_trap();
    }
    for (size_t i = 0; i < entries->entries.size(); ++i) {
      const auto& a = entries->entries[i];
      const auto& b = again->entries[i];
      if (a.statement != b.statement || a.entry_hash != b.entry_hash || a.collateral != b.collateral ||
          a.index != b.index || a.registered_at != b.registered_at || a.policy_index != b.policy_index) {
        __builtin_trap();
      }
    }
  }
  if (auto heads = scitt::log::DecodeTreeHeadPage(input); heads.ok()) {
    auto again = scitt::log::DecodeTreeHeadPage(scitt::log::EncodeTreeHeadPage(*heads));
    if (!again.ok() || again->tree_heads.size() != heads->tree_heads.size() || again->next != heads->next) {
      __builtin_trap();
    }
  }
  if (auto checked = scitt::registration::StatementAsChecked(Registered(), input); checked.ok()) {
    auto parsed = scitt::cose::Sign1::Parse(*checked);
    if (!parsed.ok() || parsed->RegisteredForm() != Registered().RegisteredForm()) __builtin_trap();
  }
  return 0;
}
