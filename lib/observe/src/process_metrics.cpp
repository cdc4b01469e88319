#include "keel/observe/process_metrics.hpp"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <charconv>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace keel::observe {

namespace {

std::optional<std::string> ReadSmallFile(const char* path) {
  // /proc files report size 0, so read to EOF rather than by st_size.
  std::FILE* f = std::fopen(path, "re");
  if (f == nullptr) {
    return std::nullopt;
  }
  std::string text;
  char buf[4096];
  std::size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) {
    text.append(buf, n);
  }
  const bool failed = std::ferror(f) != 0;
  std::fclose(f);
  if (failed) {
    return std::nullopt;
  }
  return text;
}

std::vector<std::string_view> SplitSpaces(std::string_view s) {
  std::vector<std::string_view> fields;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\n')) {
      ++i;
    }
    const std::size_t start = i;
    while (i < s.size() && s[i] != ' ' && s[i] != '\n') {
      ++i;
    }
    if (i > start) {
      fields.push_back(s.substr(start, i - start));
    }
  }
  return fields;
}

std::optional<std::uint64_t> ParseUint(std::string_view s) {
  std::uint64_t v = 0;
  const auto res = std::from_chars(s.data(), s.data() + s.size(), v);
  if (res.ec != std::errc{} || res.ptr != s.data() + s.size()) {
    return std::nullopt;
  }
  return v;
}

struct ProcStat {
  double cpu_seconds = 0;
  double start_time_seconds = 0;
  std::uint64_t threads = 0;
};

// The boot time (seconds since the epoch) from /proc/stat's "btime" line.
std::optional<std::uint64_t> BootTime() {
  const auto text = ReadSmallFile("/proc/stat");
  if (!text) {
    return std::nullopt;
  }
  const std::string_view s = *text;
  const std::size_t at = s.find("\nbtime ");
  if (at == std::string_view::npos) {
    return std::nullopt;
  }
  const std::size_t begin = at + 7;
  const std::size_t end = s.find('\n', begin);
  return ParseUint(s.substr(begin, end == std::string_view::npos ? end : end - begin));
}

std::optional<ProcStat> ReadProcStat() {
  const auto text = ReadSmallFile("/proc/self/stat");
  if (!text) {
    return std::nullopt;
  }
  // The command name (field 2) is parenthesised and may itself contain spaces and ')'.
  const std::size_t close = text->rfind(')');
  if (close == std::string::npos) {
    return std::nullopt;
  }
  const auto fields = SplitSpaces(std::string_view(*text).substr(close + 1));
  // fields[0] is field 3 (state), so field n (proc(5), 1-based) is fields[n - 3].
  constexpr std::size_t kUtime = 14 - 3, kStime = 15 - 3, kThreads = 20 - 3, kStart = 22 - 3;
  if (fields.size() <= kStart) {
    return std::nullopt;
  }
  const auto utime = ParseUint(fields[kUtime]);
  const auto stime = ParseUint(fields[kStime]);
  const auto threads = ParseUint(fields[kThreads]);
  const auto start = ParseUint(fields[kStart]);
  const auto boot = BootTime();
  const long ticks = sysconf(_SC_CLK_TCK);
  if (!utime || !stime || !threads || !start || !boot || ticks <= 0) {
    return std::nullopt;
  }
  const auto tps = static_cast<double>(ticks);
  return ProcStat{static_cast<double>(*utime + *stime) / tps,
                  static_cast<double>(*boot) + static_cast<double>(*start) / tps, *threads};
}

std::optional<std::uint64_t> CountOpenFds() {
  DIR* dir = opendir("/proc/self/fd");
  if (dir == nullptr) {
    return std::nullopt;
  }
  const std::string own = std::to_string(dirfd(dir));
  std::uint64_t count = 0;
  while (const dirent* entry = readdir(dir)) {
    const std::string_view name = entry->d_name;
    // The directory stream's own descriptor is an artefact of counting, not the process's.
    if (name == "." || name == ".." || name == own) {
      continue;
    }
    ++count;
  }
  closedir(dir);
  return count;
}

void Collect(MetricWriter& w) {
  if (const auto stat = ReadProcStat()) {
    w.WriteCounter("process_cpu_seconds_total", "Total user and system CPU time spent in seconds.",
                   stat->cpu_seconds);
    w.WriteGauge("process_start_time_seconds",
                 "Start time of the process since unix epoch in seconds.",
                 stat->start_time_seconds);
    w.WriteGauge("process_threads", "Number of OS threads in the process.",
                 static_cast<double>(stat->threads));
  }
  if (const auto statm = ReadSmallFile("/proc/self/statm")) {
    const auto fields = SplitSpaces(*statm);
    const long page_size = sysconf(_SC_PAGESIZE);
    if (fields.size() >= 2 && page_size > 0) {
      const auto size = ParseUint(fields[0]);
      const auto resident = ParseUint(fields[1]);
      const auto page = static_cast<double>(page_size);
      if (size) {
        w.WriteGauge("process_virtual_memory_bytes", "Virtual memory size in bytes.",
                     static_cast<double>(*size) * page);
      }
      if (resident) {
        w.WriteGauge("process_resident_memory_bytes", "Resident memory size in bytes.",
                     static_cast<double>(*resident) * page);
      }
    }
  }
  if (const auto fds = CountOpenFds()) {
    w.WriteGauge("process_open_fds", "Number of open file descriptors.", static_cast<double>(*fds));
  }
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY) {
    w.WriteGauge("process_max_fds", "Maximum number of open file descriptors.",
                 static_cast<double>(limit.rlim_cur));
  }
}

}  // namespace

void AddProcessCollector(MetricRegistry& registry) {
  registry.AddCollector(&Collect);
}

}  // namespace keel::observe
