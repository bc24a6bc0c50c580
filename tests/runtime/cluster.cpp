// Cluster membership: endpoints and their checks, `lastgram cluster
// make-certs`, and three `lastgram` processes on loopback that find each
// other through a seed, notice a killed and a frozen member within 5 s, take
// the frozen one back, and keep out clients without the cluster's
// certificate.

#include <catch2/catch.hpp>

#include <array>

#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>
#include <rapidjson/document.h>
#include <sys/stat.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <iostream>
#include <map>
#include <thread>

#include "support/build_paths.hpp"
#include "actors/cluster/endpoint.hpp"
#include "actors/cluster/membership.hpp"
#include "runtime/cluster_cli.hpp"
#include "runtime/config.hpp"
#include "support/eventually.hpp"
#include "support/process.hpp"

using namespace lastgram;
using namespace lastgram::test;
using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

namespace {

runtime::env_lookup no_env() {
  return [](std::string_view) -> std::optional<std::string> { return std::nullopt; };
}

std::string errors_of(const runtime::load_result& r) {
  std::string out;
  for (auto& e : r.errors)
    out += e.to_string() + "\n";
  return out;
}

/// Whether `cert` verifies against the CA certificate in `ca`.
bool verifies(const std::string& ca, const std::string& cert) {
  auto read = [](const std::string& path) {
    FILE* f = std::fopen(path.c_str(), "r");
    X509* x = f ? PEM_read_X509(f, nullptr, nullptr, nullptr) : nullptr;
    if (f)
      std::fclose(f);
    return x;
  };
  X509* ca_cert = read(ca);
  X509* leaf = read(cert);
  X509_STORE* store = X509_STORE_new();
  X509_STORE_CTX* ctx = X509_STORE_CTX_new();
  bool ok = false;
  if (ca_cert && leaf && store && ctx && X509_STORE_add_cert(store, ca_cert) == 1
      && X509_STORE_CTX_init(ctx, store, leaf, nullptr) == 1) {
    X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_SSL_CLIENT);
    ok = X509_verify_cert(ctx) == 1;
  }
  X509_STORE_CTX_free(ctx);
  X509_STORE_free(store);
  X509_free(leaf);
  X509_free(ca_cert);
  return ok;
}

unsigned file_mode(const std::string& path) {
  struct stat st {};
  ::stat(path.c_str(), &st);
  return st.st_mode & 0777u;
}

/// The certificate flags for a node or client named `name` from `dir`.
std::vector<std::string> cert_flags(const std::string& dir, const std::string& name,
                                    const std::string& ca_dir = {}) {
  return {"--set", "cluster.ca-file=" + (ca_dir.empty() ? dir : ca_dir) + "/ca.pem",
          "--set", "cluster.cert-file=" + dir + "/" + name + ".pem",
          "--set", "cluster.key-file=" + dir + "/" + name + ".key"};
}

/// A `lastgram run` with the cluster on and nothing else listening.
std::unique_ptr<child_process> start_node(const temp_dir& dir, const std::string& certs,
                                          const std::string& name, unsigned short port,
                                          const std::string& seeds) {
  std::vector<std::string> args{LASTGRAM_BINARY, "run",
                                "--config", std::string{LASTGRAM_SOURCE_DIR} + "/config.ini",
                                "--set", "console.enabled=off",
                                "--set", "server.enabled=false",
                                "--set", "node.name=" + name,
                                "--set", "node.data-dir=" + dir.file(name),
                                "--set", "cluster.enabled=true",
                                "--set", "cluster.address=127.0.0.1",
                                "--set", "cluster.port=" + std::to_string(port)};
  if (!seeds.empty()) {
    args.push_back("--set");
    args.push_back("cluster.seeds=" + seeds);
  }
  for (auto& flag : cert_flags(certs, name))
    args.push_back(flag);
  return std::make_unique<child_process>(args);
}

/// `lastgram cluster status 127.0.0.1:port --json` with `flags`.
run_result status(unsigned short port, const std::vector<std::string>& flags) {
  std::vector<std::string> args{LASTGRAM_BINARY, "cluster", "status",
                                "127.0.0.1:" + std::to_string(port), "--json"};
  args.insert(args.end(), flags.begin(), flags.end());
  return run(args, "", {}, 15s);
}

struct seen_member {
  std::string state;
  std::int64_t age_ms = 0;
};

/// The members a node reports, by endpoint; empty when status failed.
std::map<std::string, seen_member> members_seen(unsigned short port,
                                                const std::vector<std::string>& flags) {
  std::map<std::string, seen_member> out;
  auto res = status(port, flags);
  if (res.exit_code != 0)
    return out;
  rapidjson::Document doc;
  doc.Parse(res.out.c_str());
  if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("members"))
    return out;
  for (auto& m : doc["members"].GetArray())
    out[m["endpoint"].GetString()] = {m["state"].GetString(), m["state_age_ms"].GetInt64()};
  return out;
}

std::string endpoint_of(unsigned short port) {
  return "127.0.0.1:" + std::to_string(port);
}

/// Polls `done` every 100 ms until it holds or `limit` passes; returns the
/// time it took, or nullopt.
std::optional<std::chrono::milliseconds> time_until(const std::function<bool()>& done,
                                                    std::chrono::milliseconds limit) {
  auto start = clock_type::now();
  while (clock_type::now() - start < limit) {
    if (done())
      return std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - start);
    // Pacing the poll (each probe runs a process); the limit decides.
    std::this_thread::sleep_for(100ms);
  }
  return std::nullopt;
}

} // namespace

TEST_CASE("cluster endpoints parse host:port and tell loopback from the rest", "[cluster]") {
  auto ep = cluster::parse_endpoint("10.0.0.5:4280");
  REQUIRE(ep);
  CHECK(ep->host == "10.0.0.5");
  CHECK(ep->port == 4280);
  auto v6 = cluster::parse_endpoint("[::1]:4281");
  REQUIRE(v6);
  CHECK(v6->host == "::1");
  CHECK(v6->to_string() == "[::1]:4281");
  std::string why;
  CHECK_FALSE(cluster::parse_endpoint("node-a", &why));
  CHECK(why == "is not \"host:port\"");
  CHECK_FALSE(cluster::parse_endpoint("node-a:0"));
  CHECK_FALSE(cluster::parse_endpoint("node-a:70000"));
  CHECK_FALSE(cluster::parse_endpoint(":4280"));
  CHECK_FALSE(cluster::parse_endpoint("::1:4280"));
  for (auto host : {"127.0.0.1", "127.3.2.1", "localhost", "::1"})
    CHECK(cluster::is_loopback(host));
  for (auto host : {"10.0.0.1", "192.168.1.2", "node-b", "::2", "0.0.0.0"})
    CHECK_FALSE(cluster::is_loopback(host));
  for (auto host : {"0.0.0.0", "::", "", "*"})
    CHECK(cluster::is_wildcard(host));
  CHECK_FALSE(cluster::is_wildcard("127.0.0.1"));
}

TEST_CASE("redialing backs off from 200 ms to at most 2 s", "[cluster]") {
  CHECK(cluster::redial_delay(1) == 200ms);
  CHECK(cluster::redial_delay(2) == 400ms);
  CHECK(cluster::redial_delay(4) == 1600ms);
  CHECK(cluster::redial_delay(5) == 2000ms);
  CHECK(cluster::redial_delay(50) == 2000ms);
}

TEST_CASE("the cluster's configuration refuses plain TCP off loopback", "[cluster][config]") {
  auto load = [](std::vector<std::string> overrides) {
    overrides.insert(overrides.begin(), "cluster.enabled=true");
    return runtime::load_config("", overrides, no_env());
  };
  SECTION("loopback without certificates is fine") {
    auto r = load({"cluster.seeds=127.0.0.1:4281,localhost:4282"});
    INFO(errors_of(r));
    CHECK(r.config);
  }
  SECTION("a private address without certificates is refused") {
    auto r = load({"cluster.address=10.0.0.5"});
    REQUIRE(r.errors.size() == 1);
    CHECK(r.errors[0].to_string()
          == "--set cluster.address=10.0.0.5: cluster.address: plain TCP between nodes is "
             "refused off loopback; set cluster.ca-file, cluster.cert-file and "
             "cluster.key-file (see `lastgram cluster make-certs`)");
  }
  SECTION("a seed off loopback without certificates is refused") {
    auto r = load({"cluster.seeds=127.0.0.1:4281,10.0.0.6:4280"});
    REQUIRE(r.errors.size() == 1);
    CHECK(r.errors[0].key == "cluster.seeds");
  }
  SECTION("the same settings are fine while the cluster is off") {
    auto r = runtime::load_config("", {"cluster.address=10.0.0.5"}, no_env());
    CHECK(r.config);
  }
  SECTION("every interface is never a cluster address") {
    auto r = load({"cluster.address=0.0.0.0"});
    REQUIRE(r.errors.size() == 1);
    CHECK(r.errors[0].message.find("every interface") != std::string::npos);
  }
  SECTION("certificate files come as a set and must be readable") {
    temp_dir dir;
    dir.write("ca.pem", "x");
    auto ca = dir.file("ca.pem");
    auto r = load({"cluster.ca-file=" + ca, "cluster.key-file=" + dir.file("missing.key")});
    INFO(errors_of(r));
    REQUIRE(r.errors.size() == 2);
    CHECK(r.errors[0].key == "cluster.cert-file");
    CHECK(r.errors[0].message.find("must be set too") != std::string::npos);
    CHECK(r.errors[1].key == "cluster.key-file");
    CHECK(r.errors[1].message.find("cannot read") != std::string::npos);
  }
  SECTION("seeds must be host:port and heartbeats faster than the timeout") {
    auto r = load({"cluster.seeds=node-b", "cluster.heartbeat-ms=3000"});
    INFO(errors_of(r));
    REQUIRE(r.errors.size() == 2);
    CHECK(r.errors[0].to_string()
          == "--set cluster.seeds=node-b: cluster.seeds: \"node-b\" is not \"host:port\"");
    CHECK(r.errors[1].key == "cluster.heartbeat-ms");
  }
  SECTION("the binary refuses to start with plain TCP on a private address") {
    auto res = run({LASTGRAM_BINARY, "config", "check", "--set", "cluster.enabled=true", "--set",
                    "cluster.address=192.168.7.7"},
                   "");
    CHECK(res.exit_code == 2);
    CHECK(res.err.find("plain TCP between nodes is refused off loopback") != std::string::npos);
  }
}

TEST_CASE("make-certs creates a CA and node certificates signed by it", "[cluster][certs]") {
  temp_dir dir;
  auto certs = dir.file("certs");
  auto res = run({LASTGRAM_BINARY, "cluster", "make-certs", certs, "--names", "a,b"}, "");
  INFO(res.err);
  REQUIRE(res.exit_code == 0);
  CHECK(res.out.find("cert-file=\"" + certs + "/b.pem\"") != std::string::npos);
  for (auto name : {"ca", "a", "b"}) {
    CHECK(file_mode(certs + "/" + name + ".key") == 0600u);
    CHECK(std::filesystem::exists(certs + "/" + name + ".pem"));
  }
  CHECK(verifies(certs + "/ca.pem", certs + "/a.pem"));
  CHECK(verifies(certs + "/ca.pem", certs + "/b.pem"));

  // A second run adds a node with the same CA and never overwrites one.
  auto again = run({LASTGRAM_BINARY, "cluster", "make-certs", certs, "--names", "c"}, "");
  CHECK(again.exit_code == 0);
  CHECK(again.out.find("Reused the cluster CA") != std::string::npos);
  CHECK(verifies(certs + "/ca.pem", certs + "/c.pem"));
  auto twice = run({LASTGRAM_BINARY, "cluster", "make-certs", certs, "--names", "a"}, "");
  CHECK(twice.exit_code == 1);
  CHECK(twice.err.find("exists already") != std::string::npos);

  // Another CA's certificate does not verify against this one.
  auto other = dir.file("other");
  REQUIRE(run({LASTGRAM_BINARY, "cluster", "make-certs", other, "--nodes", "1"}, "").exit_code
          == 0);
  CHECK(verifies(other + "/ca.pem", other + "/node1.pem"));
  CHECK_FALSE(verifies(certs + "/ca.pem", other + "/node1.pem"));
  CHECK(run({LASTGRAM_BINARY, "cluster", "make-certs", other, "--names", "ca"}, "").exit_code
        == 2);
}

TEST_CASE("three nodes join through a seed, lose a killed and a frozen member within 5 s, "
          "take the frozen one back, and refuse strangers",
          "[cluster][e2e]") {
  temp_dir dir;
  auto certs = dir.file("certs");
  REQUIRE(run({LASTGRAM_BINARY, "cluster", "make-certs", certs, "--names",
               "n1,n2,n3,operator"},
              "")
            .exit_code
          == 0);
  auto rogue = dir.file("rogue");
  REQUIRE(run({LASTGRAM_BINARY, "cluster", "make-certs", rogue, "--names", "operator"}, "")
            .exit_code
          == 0);
  auto operator_flags = cert_flags(certs, "operator");
  unsigned short p1 = free_port(), p2 = free_port(), p3 = free_port();
  auto e1 = endpoint_of(p1), e2 = endpoint_of(p2), e3 = endpoint_of(p3);
  auto n1 = start_node(dir, certs, "n1", p1, "");
  auto n2 = start_node(dir, certs, "n2", p2, e1);
  auto n3 = start_node(dir, certs, "n3", p3, e1);
  auto logs = [&] {
    return "n1:\n" + n1->err() + "\nn2:\n" + n2->err() + "\nn3:\n" + n3->err();
  };
  auto state_on = [&](unsigned short port, const std::string& endpoint) {
    auto seen = members_seen(port, operator_flags);
    auto it = seen.find(endpoint);
    return it == seen.end() ? std::string{"absent"} : it->second.state;
  };

  // n3 knows only n1, yet lists n2: it learned of it through the seed.
  auto joined = time_until(
    [&] {
      auto seen = members_seen(p3, operator_flags);
      return seen.size() == 3 && seen[e1].state == "up" && seen[e2].state == "up"
             && seen[e3].state == "up";
    },
    15s);
  INFO(logs());
  REQUIRE(joined);
  std::cout << "cluster: three nodes up on n3 after " << joined->count() << " ms\n";

  // Strangers are refused: a certificate of another CA, a certificate the
  // nodes did not sign, no certificate at all (plain TCP to the TLS port).
  CHECK(status(p1, cert_flags(rogue, "operator")).exit_code == 1);
  CHECK(status(p1, cert_flags(rogue, "operator", certs)).exit_code == 1);
  auto plain = status(p1, {});
  CHECK(plain.exit_code == 1);
  CHECK(plain.err.find("cannot get the members") != std::string::npos);
  // None of this, nor the operator's status calls, disturbed the members: a
  // TLS session that ends badly once made CAF drop every other connection
  // of the node, and the peers theirs (tls_error_queue.cpp).
  CHECK(members_seen(p1, operator_flags).size() == 3);
  // A dropped connection is reported at once; a link gone silent, after the
  // connection timeout (2 s by default). Twice that with no member leaving
  // or falling suspect rules both out.
  const std::array<child_process*, 3> all{n1.get(), n2.get(), n3.get()};
  std::array<std::size_t, 3> logged_before{};
  for (std::size_t i = 0; i < all.size(); ++i)
    logged_before[i] = all[i]->err().size();
  auto nobody_left = [&] {
    for (std::size_t i = 0; i < all.size(); ++i) {
      auto since = all[i]->err().substr(logged_before[i]);
      if (since.find("member left") != std::string::npos
          || since.find("member suspect") != std::string::npos)
        return false;
    }
    return true;
  };
  CHECK(holds_for(nobody_left, 4s, 100ms));
  for (auto* node : all)
    CHECK(node->err().find("member left") == std::string::npos);

  // kill -9: the connection drops, n2 leaves n1's membership.
  n2->signal(SIGKILL);
  auto killed = time_until([&] { return state_on(p1, e2) == "down"; }, 5s);
  CHECK(killed);
  if (killed)
    std::cout << "cluster: kill -9 detected by n1 after " << killed->count() << " ms\n";

  // SIGSTOP: only the heartbeats tell; n3 leaves within 5 s.
  n3->signal(SIGSTOP);
  auto frozen = time_until([&] { return state_on(p1, e3) == "down"; }, 5s);
  CHECK(frozen);
  if (frozen)
    std::cout << "cluster: SIGSTOP detected by n1 after " << frozen->count() << " ms\n";

  // SIGCONT: n3 comes back by itself, on both sides.
  n3->signal(SIGCONT);
  auto back = time_until(
    [&] { return state_on(p1, e3) == "up" && state_on(p3, e1) == "up"; }, 10s);
  CHECK(back);
  if (back)
    std::cout << "cluster: SIGCONT, n3 rejoined n1 after " << back->count() << " ms\n";
  INFO(logs());
  CHECK(state_on(p1, e2) == "down");
}

TEST_CASE("cluster status renders members as text and JSON", "[cluster]") {
  cluster_view view;
  view.node = "n1";
  view.endpoint = "127.0.0.1:4280";
  view.members.push_back({"n1", "127.0.0.1:4280", {"commands"}, member_state::up, 61000, true,
                          {}, {}, {}});
  view.members.push_back({"n\"2", "127.0.0.1:4281", {}, member_state::down, 800, false, {}, {}, {}});
  auto text = runtime::render_view(view);
  CHECK(text.find("2 members, 1 up") != std::string::npos);
  CHECK(text.find("1m01s") != std::string::npos);
  CHECK(text.find("(answering node)") != std::string::npos);
  CHECK(runtime::render_view_json(view)
        == "{\"node\":\"n1\",\"endpoint\":\"127.0.0.1:4280\",\"members\":["
           "{\"name\":\"n1\",\"endpoint\":\"127.0.0.1:4280\",\"roles\":[\"commands\"],"
           "\"state\":\"up\",\"state_age_ms\":61000,\"self\":true},"
           "{\"name\":\"n\\\"2\",\"endpoint\":\"127.0.0.1:4281\",\"roles\":[],"
           "\"state\":\"down\",\"state_age_ms\":800,\"self\":false}]}\n");
  CHECK(runtime::cert_node_names(2, {}) == std::vector<std::string>{"node1", "node2"});
}
