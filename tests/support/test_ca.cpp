// The throwaway certificate authority of test_http_server.hpp, built with
// OpenSSL's C API so that tests need no `openssl` binary.

#include "support/test_http_server.hpp"

#include <openssl/bio.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace lastgram::test {

namespace {

using pkey_ptr = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
using x509_ptr = std::unique_ptr<X509, decltype(&X509_free)>;
using bio_ptr = std::unique_ptr<BIO, decltype(&BIO_free)>;

void check(bool ok, const char* what) {
  if (!ok)
    throw std::runtime_error(std::string("test CA: ") + what + " failed");
}

pkey_ptr make_key() {
  pkey_ptr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"), EVP_PKEY_free);
  check(key != nullptr, "key generation");
  return key;
}

void add_extension(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_nconf_nid(nullptr, &ctx, nid, value.c_str());
  check(ext != nullptr, "extension");
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

// A certificate for `key` named `common_name`, signed by `issuer_key`;
// self-signed when `issuer` is null.
x509_ptr make_cert(EVP_PKEY* key, const char* common_name, X509* issuer, EVP_PKEY* issuer_key,
                   long serial) {
  x509_ptr cert(X509_new(), X509_free);
  check(cert != nullptr, "X509_new");
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), serial);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 24 * 3600);
  X509_set_pubkey(cert.get(), key);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(common_name), -1, -1, 0);
  X509_set_issuer_name(cert.get(), issuer ? X509_get_subject_name(issuer) : name);
  return cert;
}

void sign(X509* cert, EVP_PKEY* key) {
  check(X509_sign(cert, key, EVP_sha256()) > 0, "X509_sign");
}

std::string bio_text(BIO* bio) {
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<std::size_t>(n));
}

std::string cert_to_pem(X509* cert) {
  bio_ptr bio(BIO_new(BIO_s_mem()), BIO_free);
  check(PEM_write_bio_X509(bio.get(), cert) == 1, "PEM_write_bio_X509");
  return bio_text(bio.get());
}

std::string key_to_pem(EVP_PKEY* key) {
  bio_ptr bio(BIO_new(BIO_s_mem()), BIO_free);
  check(PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) == 1,
        "PEM_write_bio_PrivateKey");
  return bio_text(bio.get());
}

} // namespace

struct test_ca::impl {
  pkey_ptr key{nullptr, EVP_PKEY_free};
  x509_ptr cert{nullptr, X509_free};
  std::string pem;
  std::filesystem::path dir;
  std::string file;
  mutable long next_serial = 2;
};

test_ca::test_ca() : impl_(std::make_unique<impl>()) {
  impl_->key = make_key();
  impl_->cert = make_cert(impl_->key.get(), "lastgram test CA", nullptr, nullptr, 1);
  add_extension(impl_->cert.get(), impl_->cert.get(), NID_basic_constraints, "critical,CA:TRUE");
  add_extension(impl_->cert.get(), impl_->cert.get(), NID_key_usage, "critical,keyCertSign,cRLSign");
  add_extension(impl_->cert.get(), impl_->cert.get(), NID_subject_key_identifier, "hash");
  sign(impl_->cert.get(), impl_->key.get());
  impl_->pem = cert_to_pem(impl_->cert.get());

  std::string pattern = (std::filesystem::temp_directory_path() / "lastgram-test-ca-XXXXXX").string();
  check(::mkdtemp(pattern.data()) != nullptr, "mkdtemp");
  impl_->dir = pattern;
  impl_->file = (impl_->dir / "ca.pem").string();
  std::ofstream(impl_->file) << impl_->pem;
}

test_ca::~test_ca() {
  std::error_code ignored;
  std::filesystem::remove_all(impl_->dir, ignored);
}

const std::string& test_ca::cert_pem() const {
  return impl_->pem;
}

const std::string& test_ca::cert_file() const {
  return impl_->file;
}

tls_identity test_ca::issue(const std::vector<std::string>& subject_alt_names) const {
  auto key = make_key();
  auto cert = make_cert(key.get(), "lastgram test server", impl_->cert.get(), impl_->key.get(),
                        impl_->next_serial++);
  std::string san;
  for (auto& name : subject_alt_names)
    san += (san.empty() ? "" : ",") + name;
  add_extension(cert.get(), impl_->cert.get(), NID_basic_constraints, "critical,CA:FALSE");
  add_extension(cert.get(), impl_->cert.get(), NID_key_usage, "critical,digitalSignature");
  add_extension(cert.get(), impl_->cert.get(), NID_ext_key_usage, "serverAuth");
  if (!san.empty())
    add_extension(cert.get(), impl_->cert.get(), NID_subject_alt_name, san);
  sign(cert.get(), impl_->key.get());
  return tls_identity{cert_to_pem(cert.get()), key_to_pem(key.get())};
}

} // namespace lastgram::test
