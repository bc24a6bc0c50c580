#include <catch2/catch.hpp>

#include <string>

#include <boost/asio/ip/address.hpp>

#include "actors/server/detail/state.hpp"

using lastgram::server::detail::admission;
using lastgram::server::detail::is_loopback;
using lastgram::server::detail::loopback_reserve_for;
using verdict = admission::verdict;

TEST_CASE("admission keeps a reserve of slots for loopback clients", "[http][admission]") {
  admission slots{10, 100, 2};
  for (int i = 0; i < 8; ++i)
    REQUIRE(slots.try_admit("192.0.2." + std::to_string(i), false) == verdict::admitted);
  // Remote clients hold everything they may: the reserve is loopback's.
  CHECK(slots.try_admit("192.0.2.100", false) == verdict::server_full);
  CHECK(slots.try_admit("127.0.0.1", true) == verdict::admitted);
  CHECK(slots.try_admit("::1", true) == verdict::admitted);
  CHECK(slots.try_admit("127.0.0.1", true) == verdict::server_full);
  CHECK(slots.in_use() == 10);
  // Loopback clients in the reserve count against the remote share too.
  slots.release("192.0.2.3");
  CHECK(slots.try_admit("192.0.2.100", false) == verdict::server_full);
  slots.release("127.0.0.1");
  slots.release("::1");
  CHECK(slots.try_admit("192.0.2.100", false) == verdict::admitted);
  CHECK(slots.in_use() == 8);
}

TEST_CASE("admission limits each address and counts releases", "[http][admission]") {
  admission slots{100, 2, 0};
  CHECK(slots.try_admit("192.0.2.1", false) == verdict::admitted);
  CHECK(slots.try_admit("192.0.2.1", false) == verdict::admitted);
  CHECK(slots.try_admit("192.0.2.1", false) == verdict::address_full);
  CHECK(slots.try_admit("192.0.2.2", false) == verdict::admitted);
  slots.release("192.0.2.1");
  CHECK(slots.try_admit("192.0.2.1", false) == verdict::admitted);
  CHECK(slots.in_use() == 3);
  // Releasing what was never taken changes nothing.
  slots.release("198.51.100.7");
  CHECK(slots.in_use() == 3);
}

TEST_CASE("the loopback reserve is an eighth of the slots, at most 8", "[http][admission]") {
  CHECK(loopback_reserve_for(2) == 0);
  CHECK(loopback_reserve_for(64) == 8);
  CHECK(loopback_reserve_for(1024) == 8);
  // A reserve never takes the last slot from remote clients.
  admission one{1, 1, 5};
  CHECK(one.try_admit("192.0.2.1", false) == verdict::admitted);
}

TEST_CASE("loopback addresses include IPv4 mapped into IPv6", "[http][admission]") {
  namespace ip = boost::asio::ip;
  CHECK(is_loopback(ip::make_address("127.0.0.2")));
  CHECK(is_loopback(ip::make_address("::1")));
  CHECK(is_loopback(ip::make_address("::ffff:127.0.0.1")));
  CHECK_FALSE(is_loopback(ip::make_address("192.0.2.2")));
  CHECK_FALSE(is_loopback(ip::make_address("::ffff:192.0.2.2")));
}
