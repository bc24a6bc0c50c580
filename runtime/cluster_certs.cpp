#include "runtime/cluster_certs.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <memory>
#include <stdexcept>

namespace lastgram::runtime {

namespace {

namespace fs = std::filesystem;

/// Ends a make-certs run; the message says what failed and, for OpenSSL
/// calls, OpenSSL's own reason.
struct certs_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

[[noreturn]] void openssl_failed(const std::string& what) {
  std::string reason;
  while (auto code = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(code, buf, sizeof(buf));
    reason = buf; // the last one is the closest to the call
  }
  throw certs_error(what + " failed" + (reason.empty() ? "" : ": " + reason));
}

void expect(bool ok, const std::string& what) {
  if (!ok)
    openssl_failed(what);
}

struct pkey_free {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct x509_free {
  void operator()(X509* p) const { X509_free(p); }
};
struct bio_free {
  void operator()(BIO* p) const { BIO_free(p); }
};
using key_handle = std::unique_ptr<EVP_PKEY, pkey_free>;
using cert_handle = std::unique_ptr<X509, x509_free>;
using bio_handle = std::unique_ptr<BIO, bio_free>;

constexpr long ca_days = 3650;
constexpr long node_days = 1095;

key_handle new_key() {
  key_handle key{EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256")};
  expect(key != nullptr, "generating an EC P-256 key");
  return key;
}

/// 127 random bits: unique without bookkeeping, positive as X.509 wants.
void set_random_serial(X509* cert) {
  unsigned char bytes[16];
  expect(RAND_bytes(bytes, sizeof(bytes)) == 1, "RAND_bytes");
  bytes[0] &= 0x7f;
  BIGNUM* bn = BN_bin2bn(bytes, sizeof(bytes), nullptr);
  expect(bn != nullptr, "BN_bin2bn");
  bool ok = BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert)) != nullptr;
  BN_free(bn);
  expect(ok, "setting the serial number");
}

void add_ext(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  expect(ext != nullptr, std::string("building extension ") + OBJ_nid2sn(nid));
  bool ok = X509_add_ext(cert, ext, -1) == 1;
  X509_EXTENSION_free(ext);
  expect(ok, "adding an extension");
}

/// A version 3 certificate for `key` named `common_name`, valid from an hour
/// ago (clock skew between nodes) for `days`; unsigned, issuer unset.
cert_handle new_cert(EVP_PKEY* key, const std::string& common_name, long days) {
  cert_handle cert{X509_new()};
  expect(cert != nullptr, "X509_new");
  expect(X509_set_version(cert.get(), 2) == 1, "X509_set_version");
  set_random_serial(cert.get());
  expect(X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600) != nullptr, "notBefore");
  expect(X509_gmtime_adj(X509_getm_notAfter(cert.get()), days * 24 * 3600) != nullptr,
         "notAfter");
  expect(X509_set_pubkey(cert.get(), key) == 1, "X509_set_pubkey");
  X509_NAME* subject = X509_get_subject_name(cert.get());
  expect(X509_NAME_add_entry_by_txt(subject, "O", MBSTRING_UTF8,
                                    reinterpret_cast<const unsigned char*>("lastgram cluster"),
                                    -1, -1, 0)
           == 1,
         "setting the organization");
  expect(X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_UTF8,
                                    reinterpret_cast<const unsigned char*>(common_name.c_str()),
                                    -1, -1, 0)
           == 1,
         "setting the common name");
  return cert;
}

struct authority {
  key_handle key;
  cert_handle cert;
};

authority new_authority() {
  authority ca{new_key(), nullptr};
  ca.cert = new_cert(ca.key.get(), "lastgram cluster CA", ca_days);
  auto* cert = ca.cert.get();
  expect(X509_set_issuer_name(cert, X509_get_subject_name(cert)) == 1, "X509_set_issuer_name");
  add_ext(cert, cert, NID_basic_constraints, "critical,CA:TRUE,pathlen:0");
  add_ext(cert, cert, NID_key_usage, "critical,keyCertSign,cRLSign");
  add_ext(cert, cert, NID_subject_key_identifier, "hash");
  expect(X509_sign(cert, ca.key.get(), EVP_sha256()) > 0, "signing the CA certificate");
  return ca;
}

cert_handle new_node_cert(const authority& ca, EVP_PKEY* key, const std::string& name) {
  auto cert = new_cert(key, name, node_days);
  auto* c = cert.get();
  expect(X509_set_issuer_name(c, X509_get_subject_name(ca.cert.get())) == 1,
         "X509_set_issuer_name");
  add_ext(c, ca.cert.get(), NID_basic_constraints, "critical,CA:FALSE");
  add_ext(c, ca.cert.get(), NID_key_usage, "critical,digitalSignature");
  // Every node is a TLS server to some peers and a client to others.
  add_ext(c, ca.cert.get(), NID_ext_key_usage, "serverAuth,clientAuth");
  add_ext(c, ca.cert.get(), NID_subject_alt_name, ("DNS:" + name).c_str());
  add_ext(c, ca.cert.get(), NID_authority_key_identifier, "keyid:always");
  expect(X509_sign(c, ca.key.get(), EVP_sha256()) > 0, "signing the certificate of " + name);
  return cert;
}

std::string pem_of(const std::function<int(BIO*)>& write, const std::string& what) {
  bio_handle bio{BIO_new(BIO_s_mem())};
  expect(bio != nullptr, "BIO_new");
  expect(write(bio.get()) == 1, "writing " + what + " as PEM");
  char* data = nullptr;
  long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(size));
}

std::string cert_pem(X509* cert) {
  return pem_of([cert](BIO* b) { return PEM_write_bio_X509(b, cert); }, "a certificate");
}

std::string key_pem(EVP_PKEY* key) {
  return pem_of(
    [key](BIO* b) {
      return PEM_write_bio_PrivateKey(b, key, nullptr, nullptr, 0, nullptr, nullptr);
    },
    "a private key");
}

/// Creates `path` (never replacing a file) with `mode` and writes `text`.
void write_new_file(const fs::path& path, const std::string& text, mode_t mode) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0)
    throw certs_error("cannot create " + path.string() + ": " + std::strerror(errno));
  // The umask may have taken bits away; a key must be exactly 0600 anyway.
  ::fchmod(fd, mode);
  std::size_t done = 0;
  while (done < text.size()) {
    auto n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      auto why = std::strerror(errno);
      ::close(fd);
      throw certs_error("cannot write " + path.string() + ": " + why);
    }
    done += static_cast<std::size_t>(n);
  }
  if (::close(fd) != 0)
    throw certs_error("cannot write " + path.string() + ": " + std::strerror(errno));
}

authority load_authority(const fs::path& cert_path, const fs::path& key_path) {
  authority ca{nullptr, nullptr};
  FILE* f = std::fopen(cert_path.c_str(), "r");
  if (!f)
    throw certs_error("cannot read " + cert_path.string() + ": " + std::strerror(errno));
  ca.cert.reset(PEM_read_X509(f, nullptr, nullptr, nullptr));
  std::fclose(f);
  expect(ca.cert != nullptr, "reading the CA certificate " + cert_path.string());
  f = std::fopen(key_path.c_str(), "r");
  if (!f)
    throw certs_error("cannot read " + key_path.string() + ": " + std::strerror(errno));
  ca.key.reset(PEM_read_PrivateKey(f, nullptr, nullptr, nullptr));
  std::fclose(f);
  expect(ca.key != nullptr, "reading the CA key " + key_path.string());
  if (X509_check_private_key(ca.cert.get(), ca.key.get()) != 1)
    throw certs_error(key_path.string() + " is not the key of " + cert_path.string());
  return ca;
}

} // namespace

bool valid_node_name(const std::string& name) {
  auto ok = [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
  };
  return !name.empty() && name.size() <= 64 && name.front() != '.' && name != "ca"
         && std::all_of(name.begin(), name.end(), ok);
}

certs_result make_cluster_certs(const std::string& dir, const std::vector<std::string>& names) {
  certs_result result;
  try {
    if (names.empty())
      throw certs_error("no node names given");
    for (std::size_t i = 0; i < names.size(); ++i) {
      if (!valid_node_name(names[i]))
        throw certs_error("\"" + names[i]
                          + "\" is not a node name (1-64 letters, digits, '_', '-', '.'; not "
                            "\"ca\")");
      if (std::find(names.begin(), names.begin() + static_cast<long>(i), names[i])
          != names.begin() + static_cast<long>(i))
        throw certs_error("node name \"" + names[i] + "\" is given twice");
    }
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec)
      throw certs_error("cannot create " + dir + ": " + ec.message());
    auto base = fs::absolute(dir, ec);
    if (ec)
      throw certs_error("cannot resolve " + dir + ": " + ec.message());
    cluster_files files;
    auto ca_cert_path = base / "ca.pem";
    auto ca_key_path = base / "ca.key";
    files.ca_cert = ca_cert_path.string();
    files.ca_key = ca_key_path.string();
    // Check everything before writing anything.
    for (const auto& name : names)
      for (const char* ext : {".pem", ".key"})
        if (fs::exists(base / (name + ext)))
          throw certs_error((base / (name + ext)).string()
                            + " exists already; remove it or choose another name");
    bool have_cert = fs::exists(ca_cert_path);
    bool have_key = fs::exists(ca_key_path);
    if (have_cert != have_key)
      throw certs_error("found " + (have_cert ? ca_cert_path : ca_key_path).string()
                        + " without " + (have_cert ? ca_key_path : ca_cert_path).string());
    authority ca{nullptr, nullptr};
    if (have_cert) {
      ca = load_authority(ca_cert_path, ca_key_path);
    } else {
      ::chmod(base.c_str(), 0700);
      ca = new_authority();
      write_new_file(ca_key_path, key_pem(ca.key.get()), 0600);
      write_new_file(ca_cert_path, cert_pem(ca.cert.get()), 0644);
      files.ca_created = true;
    }
    for (const auto& name : names) {
      auto key = new_key();
      auto cert = new_node_cert(ca, key.get(), name);
      node_files node{name, (base / (name + ".pem")).string(), (base / (name + ".key")).string()};
      write_new_file(node.key, key_pem(key.get()), 0600);
      write_new_file(node.cert, cert_pem(cert.get()), 0644);
      files.nodes.push_back(std::move(node));
    }
    result.files = std::move(files);
  } catch (const certs_error& e) {
    result.error = e.what();
  }
  return result;
}

} // namespace lastgram::runtime
