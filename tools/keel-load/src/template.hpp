// template.hpp — a text with {placeholders}, compiled once at startup, rendered per request.
//
// `{name}` is a placeholder when name is a declared variable or a built-in ({uuid}, {seq});
// any other brace is literal, so JSON bodies need no escaping: `{"id": {id}}` renders as
// `{"id": 42}`. `{{` is a literal `{` (to send a literal `{name}`, write `{{name}`; there is no
// `}}` escape because JSON bodies end in `}}`). A `{identifier}` that names nothing is a compile
// error (a typo would otherwise be sent verbatim at 10^4 requests/s).
//
//   auto t = Template::Compile("/v1/products/{id}", {"id"});   // Result<Template>
//   RenderContext ctx(samplers, random);
//   ctx.NewRequest(seq);
//   ctx.Render(*t, out);
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "keel/core/error.hpp"
#include "random.hpp"
#include "vars.hpp"

namespace keel::load {

class Template {
 public:
  enum class Kind { kLiteral, kVar, kUuid, kSeq };
  struct Piece {
    Kind kind = Kind::kLiteral;
    std::string text;  // kLiteral
    int var = -1;      // kVar: index into the scenario's variables
  };

  Template() = default;
  // Errors (kInvalidArgument) name the unknown placeholder: "unknown placeholder {idd}".
  [[nodiscard]] static Result<Template> Compile(std::string_view text,
                                                const std::vector<std::string>& var_names);
  [[nodiscard]] static Template Literal(std::string text);

  void Prepend(std::string_view literal);
  [[nodiscard]] const std::vector<Piece>& pieces() const noexcept { return pieces_; }
  [[nodiscard]] bool empty() const noexcept { return pieces_.empty(); }

 private:
  void AddLiteral(std::string_view text);
  std::vector<Piece> pieces_;
};

// The draws of one request. One per thread; NewRequest() before rendering each request.
class RenderContext {
 public:
  RenderContext(const std::vector<VarSampler>& vars, Random& random);

  void NewRequest(uint64_t seq) noexcept;
  void Render(const Template& t, std::string& out);

 private:
  const std::vector<VarSampler>& vars_;
  Random& random_;
  uint64_t seq_ = 0;
  uint64_t generation_ = 1;
  std::vector<uint64_t> drawn_in_;  // per var: the generation its draw belongs to
  std::vector<int64_t> draws_;
};

}  // namespace keel::load
