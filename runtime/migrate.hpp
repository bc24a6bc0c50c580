#pragma once

#include <string>

#include "messages/settings.hpp"

namespace lastgram::runtime {

/// The outcome of bringing the schema up to date.
struct migrate_outcome {
  enum status { applied, unreachable, failed } what = applied;
  int count = 0;
  std::int64_t version = 0;
  /// Operator-facing detail (never contains the database URL's password).
  std::string detail;
};

/// Opens the configured database (SQLite file or PostgreSQL URL) and applies
/// the pending migrations, each in its own transaction: a failing migration
/// changes nothing and is reported with its id.
migrate_outcome migrate_database(const database_settings& settings);

} // namespace lastgram::runtime
