#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace tests {

struct ProcessResult
{
  int exit_code = -1;   // the exit status, or 128 + signal
  std::string out;      // standard output
  std::string err;      // standard error (our JSON lines)
};

// Runs `program` with `args`, the current environment plus `env`, and `stdin_text` on standard
// input; waits for it and returns its exit code and output. For the e2e tests: the binaries run as
// the chart runs them, as processes.
ProcessResult run_process(const std::string& program, const std::vector<std::string>& args,
                          const std::map<std::string, std::string>& env = {}, const std::string& stdin_text = "");

} // namespace tests

namespace tests {

// A process running beside the test (a service, or a stage the test kills), its stdout and stderr
// going to `log_file`. The destructor sends SIGTERM to a process still running and reaps it.
class BackgroundProcess
{
public:
  BackgroundProcess(const std::string& program, const std::vector<std::string>& args, const std::string& log_file);
  ~BackgroundProcess();
  BackgroundProcess(const BackgroundProcess&) = delete;
  BackgroundProcess& operator=(const BackgroundProcess&) = delete;

  [[nodiscard]] int pid() const { return m_pid; }
  // Sends `signal` (SIGTERM, SIGKILL, ...).
  void signal(int signal) const;
  // Waits for the end: the exit status, or 128 + signal.
  int wait();
  // True while the process has not ended (reaps it when it has).
  bool running();

private:
  int m_pid = -1;
  std::optional<int> m_status;
};

} // namespace tests
