// idexx-sync-measure: runs one command as a child process and prints, as one JSON line on stdout,
// that process's own wall time, CPU time (user + system) and peak resident set, read with wait4()
// when it ends. The child's stdin, stdout and stderr are this process's. Exits with the child's
// exit code (128 + N when signal N ended it). Test-only (ci/bench-extract).
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

namespace {

double seconds_of(const timeval& tv)
{
  return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6;
}

} // namespace

int main(int argc, char** argv)
{
  if (argc < 2 || std::strcmp(argv[1], "--help") == 0) {
    std::fprintf(stderr, "usage: idexx-sync-measure COMMAND [ARG...]\n"
                         "Prints {\"wall_s\":..., \"cpu_s\":..., \"peak_rss_mb\":..., \"exit\":...} "
                         "for COMMAND's own process.\n");
    return argc < 2 ? 64 : 0;
  }
  const auto started = std::chrono::steady_clock::now();
  const pid_t child = ::fork();
  if (child < 0) {
    std::perror("idexx-sync-measure: fork");
    return 1;
  }
  if (child == 0) {
    ::execvp(argv[1], argv + 1);
    std::perror("idexx-sync-measure: exec");
    ::_exit(127);
  }
  int status = 0;
  rusage usage{};
  while (::wait4(child, &status, 0, &usage) < 0) {
    if (errno != EINTR) {
      std::perror("idexx-sync-measure: wait4");
      return 1;
    }
  }
  const std::chrono::duration<double> wall = std::chrono::steady_clock::now() - started;
  const int exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  std::printf("{\"wall_s\": %.3f, \"cpu_s\": %.3f, \"peak_rss_mb\": %.1f, \"exit\": %d}\n", wall.count(),
              seconds_of(usage.ru_utime) + seconds_of(usage.ru_stime),
              static_cast<double>(usage.ru_maxrss) / 1024.0, exit_code);
  return exit_code;
}
