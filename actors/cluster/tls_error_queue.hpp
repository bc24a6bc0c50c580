#pragma once

/// See tls_error_queue.cpp: OpenSSL I/O calls that clear the error queue
/// first, in place of libssl's, for CAF 0.17's OpenSSL module.

namespace lastgram::cluster {

/// Referenced by configure() so that the linker keeps tls_error_queue.cpp
/// (a static library member nothing else names) in every binary that can
/// speak TLS to the cluster. Always true.
bool tls_error_queue_workaround_linked();

} // namespace lastgram::cluster
