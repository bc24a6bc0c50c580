#pragma once

/// A value or the error that stands in its place: the one result type of the
/// blocking cores (database store, cache clients, Last.fm parsers), each of
/// which names it with its own error type (`database::result<T>`,
/// `caching::cache_result<T>`, `fm::parse_result<T>`). Plain C++17, no CAF.

#include <optional>
#include <utility>
#include <variant>

namespace lastgram {

template <class T, class E>
class expected {
public:
  expected(T value) : state_(std::in_place_index<0>, std::move(value)) {
    // nop
  }

  expected(E error) : state_(std::in_place_index<1>, std::move(error)) {
    // nop
  }

  bool has_value() const noexcept {
    return state_.index() == 0;
  }

  /// Same as has_value().
  bool ok() const noexcept {
    return has_value();
  }

  explicit operator bool() const noexcept {
    return has_value();
  }

  /// The value; calling this on an error throws std::bad_variant_access.
  T& value() & {
    return std::get<0>(state_);
  }

  const T& value() const& {
    return std::get<0>(state_);
  }

  T&& value() && {
    return std::get<0>(std::move(state_));
  }

  T& operator*() & {
    return value();
  }

  const T& operator*() const& {
    return value();
  }

  T* operator->() {
    return &value();
  }

  const T* operator->() const {
    return &value();
  }

  /// The error; calling this on a value throws std::bad_variant_access.
  const E& error() const {
    return std::get<1>(state_);
  }

private:
  std::variant<T, E> state_;
};

/// Success without a value, or an error.
template <class E>
class expected<void, E> {
public:
  expected() = default;

  expected(E error) : error_(std::move(error)) {
    // nop
  }

  bool has_value() const noexcept {
    return !error_.has_value();
  }

  bool ok() const noexcept {
    return has_value();
  }

  explicit operator bool() const noexcept {
    return has_value();
  }

  /// The error; calling this on success throws std::bad_optional_access.
  const E& error() const {
    return error_.value();
  }

private:
  std::optional<E> error_;
};

} // namespace lastgram
