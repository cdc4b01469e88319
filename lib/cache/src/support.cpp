#include "keel/cache/detail/support.hpp"

#include <algorithm>
#include <functional>

namespace keel::cache::detail {

std::uint64_t HashTag(std::string_view tag) noexcept {
  // Salted so that a tag and an integer key with equal hashes do not alias in the log.
  return Mix64(std::hash<std::string_view>{}(tag) ^ 0x7461677461677461ULL);
}

std::size_t StringHash::operator()(std::string_view s) const noexcept {
  return std::hash<std::string_view>{}(s);
}

void TagIndex::Add(EntryId id, const std::vector<std::string>& tags) {
  for (const std::string& tag : tags) {
    auto it = map_.find(std::string_view(tag));
    if (it == map_.end()) {
      it = map_.emplace(tag, std::vector<EntryId>{}).first;
    }
    it->second.push_back(id);
  }
}

void TagIndex::Remove(EntryId id, const std::vector<std::string>& tags) {
  for (const std::string& tag : tags) {
    auto it = map_.find(std::string_view(tag));
    if (it == map_.end()) {
      continue;  // taken by InvalidateTag already
    }
    auto& ids = it->second;
    if (auto pos = std::find(ids.begin(), ids.end(), id); pos != ids.end()) {
      *pos = ids.back();
      ids.pop_back();
    }
    if (ids.empty()) {
      map_.erase(it);
    }
  }
}

std::vector<EntryId> TagIndex::Take(std::string_view tag) {
  auto it = map_.find(tag);
  if (it == map_.end()) {
    return {};
  }
  std::vector<EntryId> ids = std::move(it->second);
  map_.erase(it);
  return ids;
}

NamespaceState* NamespaceRegistry::Get(std::string_view name) {
  std::lock_guard lock(mutex_);
  auto it = map_.find(name);
  if (it == map_.end()) {
    it = map_.emplace(std::string(name), std::make_unique<NamespaceState>()).first;
  }
  return it->second.get();
}

std::uint64_t InvalidationLog::Epoch() const {
  std::lock_guard lock(mutex_);
  return epoch_;
}

void InvalidationLog::Record(std::uint64_t hash) {
  std::lock_guard lock(mutex_);
  ring_[epoch_ % kCapacity] = hash;
  ++epoch_;
}

void InvalidationLog::RecordAll() {
  std::lock_guard lock(mutex_);
  all_epoch_ = ++epoch_;
  ring_[(epoch_ - 1) % kCapacity] = 0;
}

bool InvalidationLog::InvalidatedSince(std::uint64_t epoch, const std::uint64_t* hashes,
                                       std::size_t count) const {
  std::lock_guard lock(mutex_);
  if (epoch_ == epoch) {
    return false;
  }
  if (all_epoch_ > epoch || epoch_ - epoch > kCapacity) {
    return true;
  }
  for (std::uint64_t e = epoch; e < epoch_; ++e) {
    const std::uint64_t recorded = ring_[e % kCapacity];
    if (std::find(hashes, hashes + count, recorded) != hashes + count) {
      return true;
    }
  }
  return false;
}

}  // namespace keel::cache::detail
