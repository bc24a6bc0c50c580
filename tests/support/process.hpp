#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "support/http_probe.hpp"

namespace lastgram::test {

/// A child process with its standard input, output and error on pipes.
class child_process {
public:
  /// Starts `argv[0]` with `argv`, `env` added to (and overriding) the
  /// current environment as NAME=VALUE entries.
  child_process(std::vector<std::string> argv, std::vector<std::string> env = {});
  ~child_process();
  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;

  int pid() const { return pid_; }
  /// Writes to the child's standard input.
  void write(const std::string& data);
  /// Closes the child's standard input (end of input).
  void close_stdin();
  void signal(int signo);
  /// Waits for the child to end; returns its exit code, 128+signal when
  /// killed, or -1 on timeout (the child is then killed).
  int wait(std::chrono::milliseconds timeout);
  /// Reads what is available now (without blocking) and returns everything
  /// the child wrote so far.
  const std::string& out();
  const std::string& err();
  /// Waits until standard output (or error, with from_err) contains `needle`.
  bool wait_for_output(const std::string& needle, std::chrono::milliseconds timeout,
                       bool from_err = false);

private:
  void pump(int timeout_ms);

  int pid_ = -1;
  int in_ = -1, out_ = -1, err_ = -1;
  std::string out_buf_, err_buf_;
  bool exited_ = false;
  int status_ = 0;
};

/// Runs a command to completion with `input` on its standard input.
struct run_result {
  int exit_code = -1;
  std::string out;
  std::string err;
};
run_result run(std::vector<std::string> argv, const std::string& input,
               std::vector<std::string> env = {},
               std::chrono::milliseconds timeout = std::chrono::seconds{30});

/// A fresh temporary directory, removed with its contents on destruction.
class temp_dir {
public:
  temp_dir();
  ~temp_dir();
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }
  void write(const std::string& name, const std::string& content) const;

private:
  std::string path_;
};

/// A TCP port on 127.0.0.1 that was free a moment ago.
unsigned short free_port();

/// Sends an HTTP/1.1 GET to 127.0.0.1:port and returns the response
/// (status 0 when nothing answered). The one `http_reply` of http_probe.hpp:
/// a second struct of that name here broke the one-definition rule in any
/// binary linking both files.
http_reply http_get(unsigned short port, const std::string& path);

/// The text of /proc/<pid>/maps: which files a process has mapped (e.g.
/// whether a node loaded a module).
std::string maps_of(int pid);

} // namespace lastgram::test
