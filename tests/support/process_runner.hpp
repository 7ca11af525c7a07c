#pragma once

#include <map>
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
