#pragma once

/// The translation engine's typed interface. Lookups never go through it:
/// callers format on the shared i18n::catalog (a plain function call on an
/// immutable snapshot). The engine is the catalog's only writer: it reloads
/// the locale files on request (SIGHUP) and swaps them in when they pass the
/// checks.

#include <string>
#include <vector>

#include "caf/replies_to.hpp"
#include "caf/typed_actor.hpp"

namespace lastgram {

using reload_atom = caf::atom_constant<caf::atom("reload")>;
using languages_atom = caf::atom_constant<caf::atom("languages")>;

/// What a reload did.
struct reload_outcome {
  /// True when the new catalogs replaced the old ones.
  bool ok = false;
  /// Why they did not, one problem per line; empty when ok.
  std::string error;
  /// The languages served after the reload (the old ones when it failed).
  std::vector<std::string> languages;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, reload_outcome& x) {
  return f(caf::meta::type_name("reload_outcome"), x.ok, x.error, x.languages);
}

/// The translation engine.
/// - (reload) -> reload_outcome: reads and checks the locale directory again;
///   on any problem keeps the current catalogs (and logs an error)
/// - (languages) -> the supported language codes, sorted
using translation_actor = caf::typed_actor<
  caf::replies_to<reload_atom>::with<reload_outcome>,
  caf::replies_to<languages_atom>::with<std::vector<std::string>>>;

} // namespace lastgram
