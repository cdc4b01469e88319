#include "histogram.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

#include "keel/core/check.hpp"

namespace keel::load {

Histogram::Histogram(int precision_bits) : bits_(precision_bits) {
  KEEL_CHECK(precision_bits >= 1 && precision_bits <= 16);
  counts_.assign(IndexOf(kMaxValueNs) + 1, 0);
  lo_index_ = counts_.size();
}

std::size_t Histogram::IndexOf(int64_t value) const noexcept {
  const auto v = static_cast<uint64_t>(std::clamp<int64_t>(value, 0, kMaxValueNs));
  const int top = 63 - std::countl_zero(v | 1);  // floor(log2 v); v < 2^bits is exact
  const int shift = std::max(0, top - bits_);
  return (static_cast<std::size_t>(shift) << bits_) + (v >> shift);
}

int64_t Histogram::LowestOf(std::size_t index) const noexcept {
  const std::size_t shift = index < (std::size_t{2} << bits_) ? 0 : (index >> bits_) - 1;
  return static_cast<int64_t>((index - (shift << bits_)) << shift);
}

int64_t Histogram::HighestOf(std::size_t index) const noexcept {
  const std::size_t shift = index < (std::size_t{2} << bits_) ? 0 : (index >> bits_) - 1;
  return LowestOf(index) + (int64_t{1} << shift) - 1;
}

void Histogram::Record(int64_t value_ns, uint64_t count) noexcept {
  if (count == 0) {
    return;
  }
  if (value_ns > kMaxValueNs) {
    saturated_ += count;
  }
  const int64_t v = std::clamp<int64_t>(value_ns, 0, kMaxValueNs);
  const std::size_t i = IndexOf(v);
  counts_[i] += count;
  lo_index_ = std::min(lo_index_, i);
  hi_index_ = std::max(hi_index_, i);
  min_ = count_ == 0 ? v : std::min(min_, v);
  max_ = std::max(max_, v);
  count_ += count;
  sum_ += static_cast<double>(v) * static_cast<double>(count);
}

void Histogram::Merge(const Histogram& other) {
  KEEL_CHECK(other.bits_ == bits_);
  if (other.count_ == 0) {
    return;
  }
  for (std::size_t i = other.lo_index_; i <= other.hi_index_; ++i) {
    counts_[i] += other.counts_[i];
  }
  lo_index_ = std::min(lo_index_, other.lo_index_);
  hi_index_ = std::max(hi_index_, other.hi_index_);
  min_ = count_ == 0 ? other.min_ : std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
  count_ += other.count_;
  saturated_ += other.saturated_;
  sum_ += other.sum_;
}

void Histogram::Reset() noexcept {
  if (count_ != 0) {
    std::fill(counts_.begin() + static_cast<std::ptrdiff_t>(lo_index_),
              counts_.begin() + static_cast<std::ptrdiff_t>(hi_index_) + 1, 0);
  }
  lo_index_ = counts_.size();
  hi_index_ = 0;
  count_ = saturated_ = 0;
  min_ = max_ = 0;
  sum_ = 0;
}

int64_t Histogram::ValueAtPercentile(double p) const noexcept {
  if (count_ == 0) {
    return 0;
  }
  const double clamped = std::clamp(p, 0.0, 100.0);
  const auto rank = std::max<uint64_t>(
      1, static_cast<uint64_t>(std::ceil(clamped / 100.0 * static_cast<double>(count_))));
  uint64_t seen = 0;
  for (std::size_t i = lo_index_; i <= hi_index_; ++i) {
    seen += counts_[i];
    if (seen >= rank) {
      const int64_t mid = LowestOf(i) + (HighestOf(i) - LowestOf(i)) / 2;
      return std::clamp(mid, min_, max_);
    }
  }
  return max_;
}

double Histogram::mean() const noexcept {
  return count_ == 0 ? 0.0 : sum_ / static_cast<double>(count_);
}

}  // namespace keel::load
