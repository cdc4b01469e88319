#include "vars.hpp"

#include <charconv>

namespace keel::load {

VarSampler::VarSampler(const VarSpec& spec)
    : kind_(spec.kind), lo_(spec.lo), hi_(spec.hi), values_(spec.values) {
  if (kind_ == VarKind::kZipf) {
    zipf_.emplace(spec.lo, spec.hi, spec.s);
  }
}

int64_t VarSampler::Draw(Random& random) const noexcept {
  switch (kind_) {
    case VarKind::kUniform:
      return random.Between(lo_, hi_);
    case VarKind::kZipf:
      return zipf_->Sample(random);
    case VarKind::kChoice:
      return random.Between(0, static_cast<int64_t>(values_.size()) - 1);
  }
  return 0;
}

void VarSampler::Append(int64_t draw, std::string& out) const {
  if (kind_ == VarKind::kChoice) {
    out += values_[static_cast<std::size_t>(draw)];
    return;
  }
  char buf[24];
  const auto r = std::to_chars(buf, buf + sizeof(buf), draw);
  out.append(buf, r.ptr);
}

}  // namespace keel::load
