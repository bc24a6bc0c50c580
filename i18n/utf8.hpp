#pragma once

/// UTF-8 validity, shared by the config reader and the platform parsers.
///
/// RapidJSON decodes a lone low-surrogate escape (`"\udfa2"`) into the three
/// bytes of a surrogate, which is not UTF-8, so text taken from a platform's
/// JSON goes through `scrub_utf8` before it travels further.

#include <cstddef>
#include <string>
#include <string_view>

namespace lastgram::i18n {

/// Offset of the first byte that breaks UTF-8 (overlong forms, surrogates
/// and code points past U+10FFFF included), or npos.
std::size_t invalid_utf8_at(std::string_view s) noexcept;

/// `s` as valid UTF-8: each maximal invalid sequence becomes U+FFFD. Valid
/// text is returned unchanged, in one scan and no allocation beyond the copy.
std::string scrub_utf8(std::string_view s);

} // namespace lastgram::i18n
