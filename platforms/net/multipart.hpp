#pragma once

/// multipart/form-data request bodies (RFC 7578): the uploads of the Bot
/// API (sendPhoto, editMessageMedia) and of Discord (attachments). Pure
/// functions; the HTTP client sends the result as any other body.

#include <string>
#include <vector>

namespace lastgram::net {

/// One field of a form: a text value, or a file when `filename` is set.
struct form_part {
  /// The field name (e.g. "caption", "photo", "files[0]").
  std::string name;
  /// The file name shown to the receiver; empty for a text field.
  std::string filename;
  /// The part's Content-Type; empty for none (a text field).
  std::string content_type;
  /// The value or the file's bytes, sent as they are (binary-safe).
  std::string data;
};

/// A text field.
form_part text_part(std::string name, std::string value);

/// A file field.
form_part file_part(std::string name, std::string filename, std::string content_type,
                    std::string data);

/// An encoded form, ready for http_call::body and http_call::content_type.
struct form_body {
  /// "multipart/form-data; boundary=<boundary>".
  std::string content_type;
  std::string body;
  std::string boundary;
};

/// Encodes `parts` in order. The boundary is random and checked to occur in
/// no part (nor in its name or file name), so no value can end the body
/// early. Lines end in CRLF. A quote, CR or LF in a name or file name is
/// percent-encoded (as browsers do), so a header line cannot be broken.
form_body encode_multipart(const std::vector<form_part>& parts);

} // namespace lastgram::net
