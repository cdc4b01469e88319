// request_writer.hpp — serializes one request of a scenario's type into a connection's buffer.
//
// HTTP/1.1 keep-alive: request line, Host (unless the scenario sets one), User-Agent, the
// scenario's headers, Content-Length when there is a body. No allocation once the buffers have
// grown to the largest request.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "random.hpp"
#include "scenario.hpp"
#include "template.hpp"

namespace keel::load {

class RequestWriter {
 public:
  RequestWriter(const Scenario& scenario, const std::vector<VarSampler>& samplers, Random& random);

  // Replaces `out` with request `seq` of type `type`.
  void Write(int type, uint64_t seq, std::string& out);

 private:
  struct TypeInfo {
    bool sets_host = false;
    bool sets_user_agent = false;
  };

  const Scenario& scenario_;
  RenderContext render_;
  std::vector<TypeInfo> info_;
  std::string body_;
};

// Picks a request type by weight.
class TypePicker {
 public:
  explicit TypePicker(const std::vector<RequestType>& types);
  [[nodiscard]] int Pick(Random& random) const noexcept;

 private:
  std::vector<double> cumulative_;
};

}  // namespace keel::load
