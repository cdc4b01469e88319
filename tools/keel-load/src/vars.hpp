// vars.hpp — the {placeholders} a scenario declares, and drawing their values per request.
//
// A scenario's [vars.NAME] table declares a distribution; every {NAME} in one request (path,
// headers, body) gets the same draw, so `PUT /items/{id}` with body `{"id": {id}}` agrees with
// itself. Built-ins: {uuid} (a fresh v4 UUID at each use, for idempotency keys) and {seq} (the
// request's arrival index, unique in the run).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "random.hpp"
#include "zipf.hpp"

namespace keel::load {

enum class VarKind { kUniform, kZipf, kChoice };

struct VarSpec {
  std::string name;
  VarKind kind = VarKind::kUniform;
  int64_t lo = 0;  // uniform, zipf: inclusive range
  int64_t hi = 0;
  double s = 1.0;                   // zipf exponent (> 0); lo is the hottest value
  std::vector<std::string> values;  // choice: one of these, uniformly
};

// Draws one variable's values; immutable, shared by the threads (each brings its own Random).
class VarSampler {
 public:
  explicit VarSampler(const VarSpec& spec);

  // A draw: the integer itself (uniform, zipf) or the index into values (choice).
  [[nodiscard]] int64_t Draw(Random& random) const noexcept;
  // Appends the text of a draw.
  void Append(int64_t draw, std::string& out) const;

 private:
  VarKind kind_;
  int64_t lo_;
  int64_t hi_;
  std::optional<ZipfSampler> zipf_;
  std::vector<std::string> values_;
};

}  // namespace keel::load
