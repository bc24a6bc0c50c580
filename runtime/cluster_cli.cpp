#include "runtime/cluster_cli.hpp"

#include "actors/logging/log.hpp"

#include <algorithm>
#include <cstdio>
#include <ostream>

#include "caf/all.hpp"

#include "actors/cluster/endpoint.hpp"
#include "actors/cluster/membership.hpp"
#include "messages/errors.hpp"
#include "messages/type_ids.hpp"
#include "runtime/cluster_certs.hpp"
#include "runtime/node.hpp"

namespace lastgram::runtime {

namespace {

/// How long `cluster status` waits for the connection and the answer.
constexpr std::chrono::milliseconds status_deadline{5000};

std::string quote(const std::string& s) {
  return "\"" + s + "\"";
}

std::string json_string(const std::string& s) {
  return log::json_quoted(s);
}

std::string join(const std::vector<std::string>& xs, const std::string& sep) {
  std::string out;
  for (const auto& x : xs)
    out += (out.empty() ? "" : sep) + x;
  return out;
}

/// "850ms", "12s", "3m04s", "2h05m".
std::string age_text(std::int64_t ms) {
  if (ms < 1000)
    return std::to_string(ms) + "ms";
  auto s = ms / 1000;
  char buf[32];
  if (s < 60)
    std::snprintf(buf, sizeof(buf), "%llds", static_cast<long long>(s));
  else if (s < 3600)
    std::snprintf(buf, sizeof(buf), "%lldm%02llds", static_cast<long long>(s / 60),
                  static_cast<long long>(s % 60));
  else
    std::snprintf(buf, sizeof(buf), "%lldh%02lldm", static_cast<long long>(s / 3600),
                  static_cast<long long>(s / 60 % 60));
  return buf;
}

std::string pad(std::string s, std::size_t width) {
  if (s.size() < width)
    s.append(width - s.size(), ' ');
  return s;
}

} // namespace

std::vector<std::string> cert_node_names(int count, const std::vector<std::string>& names) {
  if (!names.empty())
    return names;
  std::vector<std::string> out;
  for (int i = 1; i <= count; ++i)
    out.push_back("node" + std::to_string(i));
  return out;
}

int cluster_make_certs(const std::string& dir, const std::vector<std::string>& names,
                       std::ostream& out, std::ostream& err) {
  for (const auto& name : names)
    if (!valid_node_name(name)) {
      err << "lastgram: \"" << name
          << "\" is not a node name (1-64 letters, digits, '_', '-', '.'; not \"ca\")\n";
      return exit_usage;
    }
  auto made = make_cluster_certs(dir, names);
  if (!made.files) {
    err << "lastgram: cluster make-certs: " << made.error << '\n';
    return exit_failure;
  }
  const auto& f = *made.files;
  if (f.ca_created)
    out << "Created the cluster CA: " << f.ca_cert << " (certificate), " << f.ca_key
        << " (private key: keep it off the nodes; it signs new members)\n";
  else
    out << "Reused the cluster CA " << f.ca_cert << '\n';
  for (const auto& n : f.nodes)
    out << "Created " << n.cert << " and " << n.key << " for " << n.name << '\n';
  out << "\nCopy ca.pem and each node's .pem and .key to that node (keys stay mode 0600),\n"
         "then give each node a [cluster] section like this (address: the node's own\n"
         "private address; seeds: one or more other nodes; plain TCP is refused off\n"
         "loopback):\n";
  for (const auto& n : f.nodes)
    out << "\n; " << n.name << "\n[cluster]\nenabled=true\naddress=\"10.0.0.x\"\nport=4280\n"
        << "seeds=[\"10.0.0.y:4280\"]\nca-file=" << quote(f.ca_cert)
        << "\ncert-file=" << quote(n.cert) << "\nkey-file=" << quote(n.key) << '\n';
  return exit_ok;
}

std::string render_view(const cluster_view& view) {
  std::size_t up = 0;
  for (const auto& m : view.members)
    up += m.state == member_state::up ? 1 : 0;
  std::string out = "cluster seen by " + view.node + " (" + view.endpoint + "): "
                    + std::to_string(view.members.size()) + " members, " + std::to_string(up)
                    + " up\n";
  std::size_t w_endpoint = 8, w_name = 4;
  for (const auto& m : view.members) {
    w_endpoint = std::max(w_endpoint, m.endpoint.size());
    w_name = std::max(w_name, m.name.size());
  }
  out += pad("ENDPOINT", w_endpoint + 2) + pad("NAME", w_name + 2) + pad("STATE", 9)
         + pad("SINCE", 8) + "ROLES\n";
  for (const auto& m : view.members)
    out += pad(m.endpoint, w_endpoint + 2) + pad(m.name, w_name + 2)
           + pad(to_string(m.state), 9) + pad(age_text(m.state_age_ms), 8)
           + (m.roles.empty() ? "-" : join(m.roles, ",")) + (m.self ? "  (answering node)" : "")
           + "\n";
  return out;
}

std::string render_view_json(const cluster_view& view) {
  std::string out = "{\"node\":" + json_string(view.node)
                    + ",\"endpoint\":" + json_string(view.endpoint) + ",\"members\":[";
  bool first = true;
  for (const auto& m : view.members) {
    std::vector<std::string> roles;
    for (const auto& r : m.roles)
      roles.push_back(json_string(r));
    out += std::string(first ? "" : ",") + "{\"name\":" + json_string(m.name)
           + ",\"endpoint\":" + json_string(m.endpoint) + ",\"roles\":[" + join(roles, ",")
           + "],\"state\":" + json_string(to_string(m.state))
           + ",\"state_age_ms\":" + std::to_string(m.state_age_ms)
           + ",\"self\":" + (m.self ? "true" : "false") + "}";
    first = false;
  }
  return out + "]}\n";
}

int cluster_status(const settings& s, const std::string& target, bool json, std::ostream& out,
                   std::ostream& err) {
  std::string why;
  auto ep = cluster::parse_endpoint(target, &why);
  if (!ep) {
    err << "lastgram: \"" << target << "\" " << why << '\n';
    return exit_usage;
  }
  if (!cluster::uses_tls(s.cluster) && !cluster::is_loopback(ep->host)) {
    err << "lastgram: plain TCP is refused off loopback; set cluster.ca-file, "
           "cluster.cert-file and cluster.key-file (see `lastgram cluster make-certs`)\n";
    return exit_usage;
  }
  caf::actor_system_config cfg;
  cfg.set("scheduler.max-threads", size_t{2});
  cfg.add_message_types<caf::id_block::lastgram>();
  add_error_categories(cfg);
  cluster::configure(cfg, s.cluster);
  caf::actor_system sys{cfg};
  auto view = cluster::query_view(sys, s.cluster, ep->host, ep->port, status_deadline);
  if (!view) {
    err << "lastgram: cannot get the members from " << ep->to_string() << ": "
        << sys.render(view.error())
        << (cluster::uses_tls(s.cluster)
              ? " (unreachable, or the node refused this certificate)\n"
              : " (unreachable, or the node wants TLS)\n");
    return exit_failure;
  }
  out << (json ? render_view_json(*view) : render_view(*view));
  return exit_ok;
}

} // namespace lastgram::runtime
