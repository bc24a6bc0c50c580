#pragma once

/// The key under which names that mean the same are found again (entity
/// names of the database, later user-typed artist names): ICU case folding
/// behind a plain string interface, so that ICU stays inside i18n/.

#include <string>
#include <string_view>

namespace lastgram::i18n {

/// Folds `name` for comparison: Unicode case folding (ICU, so "Ä" and "ä"
/// match, as do "ß" and "ss"), leading and trailing whitespace removed, inner
/// runs of whitespace collapsed to one ASCII space. No other normalization
/// (accents and NFC/NFD forms stay distinct). Invalid UTF-8 is kept byte for
/// byte, ASCII-lower-cased only.
std::string fold_name(std::string_view name);

} // namespace lastgram::i18n
