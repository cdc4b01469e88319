#include "rss_sampler.hpp"

#include <unistd.h>
#include <fstream>
#include <string>

namespace keel::load {

std::optional<int64_t> ReadRss(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/statm");
  int64_t size_pages = 0;
  int64_t resident_pages = 0;
  if (!(in >> size_pages >> resident_pages)) {
    return std::nullopt;
  }
  return resident_pages * static_cast<int64_t>(sysconf(_SC_PAGESIZE));
}

}  // namespace keel::load
