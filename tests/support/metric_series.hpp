#pragma once

/// One labelled series of the node's metrics registry, read as a scrape
/// would see it.

#include <optional>
#include <string_view>

#include "actors/logging/metrics.hpp"

namespace lastgram::test {

/// The value of `metric`'s series whose `label` is `value`: a counter's or
/// gauge's value, a histogram's number of observations; none when there is
/// no such series.
inline std::optional<double> series_value(std::string_view metric, std::string_view label,
                                          std::string_view value) {
  auto all = metrics::read_all();
  auto it = all.find(metric);
  if (it == all.end())
    return std::nullopt;
  for (const auto& r : it->second)
    if (r.label(label) == value)
      return r.value;
  return std::nullopt;
}

} // namespace lastgram::test
