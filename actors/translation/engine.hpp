#pragma once

/// The translation engine: the owner of the node's catalogs, implementing
/// `translation_actor` (messages/translation.hpp).
///
/// The node loads and checks the locale files once before any actor runs
/// (load_checked in catalogs.hpp: a catalog that cannot load stops start-up)
/// and hands the engine the live catalog that every other engine formats
/// with. From then on the engine is its only writer: `reload` (sent on
/// SIGHUP) reads the directory again, and the new texts replace the old ones
/// atomically when they pass reload_refusal(); otherwise the old ones stay and
/// an error is logged. Readers never wait: each call on the catalog reads one
/// immutable snapshot.
///
/// The engine is a detached actor: a reload reads files and compiles a few
/// hundred ICU patterns, work that must not hold a CAF worker.

#include <memory>

#include "caf/fwd.hpp"

#include "messages/settings.hpp"
#include "messages/translation.hpp"

namespace lastgram::i18n {
class catalog;
} // namespace lastgram::i18n

namespace lastgram::translation {

/// Spawns the translation engine as a child of `parent`. `texts` is the live
/// catalog shared with every reader; `settings.dir` is where reloads read
/// (already resolved to a directory that exists).
translation_actor spawn_engine(caf::local_actor* parent, std::shared_ptr<i18n::catalog> texts,
                               i18n_settings settings);

} // namespace lastgram::translation
