#pragma once

#include <string>

namespace lastgram::runtime {

/// A relative locale directory looked up in the working directory first,
/// then in the source tree the binary was built from.
///
/// The only code that knows that tree's path: it is a definition on this one
/// file, so that a checkout in another directory changes no other object's
/// flags and ccache keeps them.
std::string resolve_i18n_dir(const std::string& dir);

} // namespace lastgram::runtime
