#pragma once

/// A fake Last.fm API for tests: a real HTTP/1.1 server on 127.0.0.1 (an
/// ephemeral port, its own thread) that answers `GET /2.0/?method=...` and
/// form-encoded `POST /2.0/` with the real payloads in
/// LASTGRAM_FIXTURES_DIR/lastfm, and that misbehaves on request: Last.fm
/// errors, HTTP 5xx, slow answers, truncated or malformed bodies. It counts
/// calls per method and per second so tests can assert what reached
/// "upstream". Thread-safe: tests configure it while clients call it.
///
/// Routing (method names are case-insensitive):
/// - user.getInfo, user.getRecentTracks (extended=1 gives the extended,
///   now-playing payload), user.getTop{Artists,Albums,Tracks},
///   user.getWeeklyChartList, artist.getInfo, album.getInfo, track.getInfo,
///   artist.getSimilar, artist.getCorrection, auth.getToken, auth.getSession: their fixture;
/// - track.love / track.unlove: `{}`;
/// - `user` or `username` "nobody": error 6 (HTTP 404), "private": error 17
///   (HTTP 403), as Last.fm documents them;
/// - an unknown method: error 3 (HTTP 400); another path: HTTP 404.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "support/build_paths.hpp"

namespace lastgram::test {

/// Decoded request parameters, in the order they were sent.
using query_params = std::vector<std::pair<std::string, std::string>>;

/// A misbehaviour for the fake to act out instead of (or on top of) its
/// normal answer. Build one with the named constructors.
struct fake_fault {
  /// Answer `{"error": N, "message": ...}` when non-zero.
  int lastfm_error = 0;
  /// Answer with this HTTP status when non-zero (else 200).
  int http_status = 0;
  /// Wait this long before answering (other connections are not held up).
  std::chrono::milliseconds delay{0};
  /// Send only the first half of the normal body (a complete HTTP message
  /// with cut-off JSON).
  bool truncated = false;
  /// Send a body that is not JSON at all.
  bool malformed = false;

  /// Last.fm error `code` in the body, with HTTP `status` (200 by default:
  /// Last.fm's errors also come with 200).
  static fake_fault error(int code, int status = 200);
  /// HTTP `status` (e.g. 503) with a short HTML body, as a proxy sends.
  static fake_fault http(int status);
  /// The normal answer, `delay` late.
  static fake_fault slow(std::chrono::milliseconds delay);
  static fake_fault truncated_body();
  static fake_fault malformed_json();
};

/// One call the fake received.
struct fake_call {
  /// "GET" or "POST".
  std::string verb;
  /// Lower-case method name.
  std::string method;
  /// Query and form parameters, percent-decoded.
  query_params params;
  std::chrono::steady_clock::time_point at;

  /// The value of `name`, or empty.
  std::string param(std::string_view name) const;
};

class fake_lastfm {
public:
  /// Loads the fixtures and starts listening; throws if it cannot.
  fake_lastfm();

  /// Stops the server and joins its thread.
  ~fake_lastfm();

  fake_lastfm(const fake_lastfm&) = delete;
  fake_lastfm& operator=(const fake_lastfm&) = delete;

  /// `http://127.0.0.1:PORT/2.0/`: the API root for the client under test.
  std::string url() const;

  std::uint16_t port() const;

  /// The next `n` calls (any method) act out `f`, in order of arrival.
  void fail_next(int n, fake_fault f);

  /// Every call to `method` acts out `f` until reset() (fail_next wins).
  void fail_method(std::string_view method, fake_fault f);

  /// Serves `body` (HTTP 200) for `method` instead of its fixture.
  void set_body(std::string_view method, std::string body);

  /// Serves `body` (HTTP 200) for `method` when its `user` (or `username`)
  /// parameter is `user` (case-insensitive); wins over set_body. E.g. two
  /// different top-artist lists for two people.
  void set_body_for_user(std::string_view method, std::string_view user, std::string body);

  /// Serves the fixture file `file_name` (in fixtures/lastfm) for `method`,
  /// e.g. "user-getrecenttracks-nowplaying.json".
  void set_fixture(std::string_view method, std::string_view file_name);

  /// Serves what `make(call)` returns (HTTP 200) for `method`, e.g. a page
  /// of recent tracks built from the call's `page` and `limit`. Runs on the
  /// server thread under the fake's lock: it must not call the fake.
  void set_handler(std::string_view method, std::function<std::string(const fake_call&)> make);

  /// Calls whose api_key differs from `key` get error 10 (HTTP 403).
  void require_api_key(std::string key);

  /// Calls to auth.* and writes, and every call carrying an api_sig, get
  /// error 13 (HTTP 403) unless `verify(params)` holds. The check is
  /// injected so this helper does not need OpenSSL.
  void require_signature(std::function<bool(const query_params&)> verify);

  /// Calls received for `method` (case-insensitive).
  int calls(std::string_view method) const;

  /// Calls received in total.
  int total_calls() const;

  /// The largest number of calls that arrived within any 1 s window.
  int max_calls_per_second() const;

  /// Every call received so far, in order of arrival.
  std::vector<fake_call> received() const;

  /// Blocks until at least `n` calls arrived or `timeout` passed; returns
  /// whether they arrived.
  bool wait_for_calls(int n, std::chrono::milliseconds timeout) const;

  /// Forgets faults, overrides, requirements, counts and history.
  void reset();

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace lastgram::test
