#pragma once

/// Engine errors as caf::error values, so that a typed request's error path
/// carries a typed code: `caf::error` with category "db" or "fm" and the
/// operator-facing detail as context. Users never see the detail; they get
/// the localized message for the code.

#include <optional>
#include <string>

#include "caf/atom.hpp"
#include "caf/error.hpp"
#include "caf/make_message.hpp"

#include "messages/db.hpp"
#include "messages/fm.hpp"

namespace lastgram {

constexpr caf::atom_value db_error_category = caf::atom("db");
constexpr caf::atom_value fm_error_category = caf::atom("fm");

// CAF 0.17 reads an error whose code is 0 as "no error", and db_errc starts
// at 0 (unavailable): database codes travel shifted by one.
inline caf::error make_error(db_errc code, std::string detail = {}) {
  return caf::error{static_cast<std::uint8_t>(static_cast<std::uint8_t>(code) + 1),
                    db_error_category, caf::make_message(std::move(detail))};
}

inline caf::error make_error(fm::fm_errc code, std::string detail = {}) {
  return caf::error{static_cast<std::uint8_t>(code), fm_error_category,
                    caf::make_message(std::move(detail))};
}

/// Registers readable names for both categories with an actor system
/// configuration, so `system.render(err)` prints "db_error(unavailable: ...)".
template <class Config>
void add_error_categories(Config& cfg) {
  auto detail = [](const caf::message& ctx) {
    if (ctx.size() == 1 && ctx.match_element<std::string>(0))
      return ctx.get_as<std::string>(0);
    return std::string{};
  };
  cfg.add_error_category(db_error_category,
                         [detail](std::uint8_t code, caf::atom_value, const caf::message& ctx) {
                           return "db_error(" + std::string{to_string(static_cast<db_errc>(code - 1))}
                                  + ": " + detail(ctx) + ")";
                         });
  cfg.add_error_category(fm_error_category,
                         [detail](std::uint8_t code, caf::atom_value, const caf::message& ctx) {
                           return "fm_error("
                                  + std::string{fm::to_string(static_cast<fm::fm_errc>(code))}
                                  + ": " + detail(ctx) + ")";
                         });
}

/// The database error code carried by `err`, if it is one.
inline std::optional<db_errc> db_code(const caf::error& err) {
  if (!err || err.category() != db_error_category)
    return std::nullopt;
  return static_cast<db_errc>(err.code() - 1);
}

/// The Last.fm error code carried by `err`, if it is one.
inline std::optional<fm::fm_errc> fm_code(const caf::error& err) {
  if (!err || err.category() != fm_error_category)
    return std::nullopt;
  return static_cast<fm::fm_errc>(err.code());
}

} // namespace lastgram
