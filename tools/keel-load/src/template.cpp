#include "template.hpp"

#include <algorithm>
#include <charconv>

namespace keel::load {

namespace {

bool IsIdentifier(std::string_view s) {
  if (s.empty() || !(std::isalpha(static_cast<unsigned char>(s[0])) || s[0] == '_')) {
    return false;
  }
  return std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
  });
}

}  // namespace

Result<Template> Template::Compile(std::string_view text,
                                   const std::vector<std::string>& var_names) {
  Template t;
  std::size_t i = 0;
  while (i < text.size()) {
    if (text.compare(i, 2, "{{") == 0) {
      t.AddLiteral(text.substr(i, 1));
      i += 2;
      continue;
    }
    const auto close = text[i] == '{' ? text.find('}', i + 1) : std::string_view::npos;
    const std::string_view name =
        close == std::string_view::npos ? std::string_view() : text.substr(i + 1, close - i - 1);
    if (!IsIdentifier(name)) {  // not a placeholder: a literal brace (JSON) or plain text
      t.AddLiteral(text.substr(i, 1));
      ++i;
      continue;
    }
    Piece p;
    const auto var = std::find(var_names.begin(), var_names.end(), name);
    if (var != var_names.end()) {
      p.kind = Kind::kVar;
      p.var = static_cast<int>(var - var_names.begin());
    } else if (name == "uuid") {
      p.kind = Kind::kUuid;
    } else if (name == "seq") {
      p.kind = Kind::kSeq;
    } else {
      return Error(ErrorCode::kInvalidArgument,
                   "unknown placeholder {" + std::string(name) + "} (declare it under [vars." +
                       std::string(name) + "], or write {{ for a literal {)");
    }
    t.pieces_.push_back(std::move(p));
    i = close + 1;
  }
  return t;
}

Template Template::Literal(std::string text) {
  Template t;
  t.AddLiteral(text);
  return t;
}

void Template::AddLiteral(std::string_view text) {
  if (text.empty()) {
    return;
  }
  if (pieces_.empty() || pieces_.back().kind != Kind::kLiteral) {
    pieces_.push_back(Piece{});
  }
  pieces_.back().text += text;
}

void Template::Prepend(std::string_view literal) {
  if (literal.empty()) {
    return;
  }
  if (!pieces_.empty() && pieces_.front().kind == Kind::kLiteral) {
    pieces_.front().text.insert(0, literal);
    return;
  }
  pieces_.insert(pieces_.begin(), Piece{Kind::kLiteral, std::string(literal), -1});
}

RenderContext::RenderContext(const std::vector<VarSampler>& vars, Random& random)
    : vars_(vars), random_(random), drawn_in_(vars.size(), 0), draws_(vars.size(), 0) {}

void RenderContext::NewRequest(uint64_t seq) noexcept {
  seq_ = seq;
  ++generation_;  // invalidates every previous draw without touching the arrays
}

void RenderContext::Render(const Template& t, std::string& out) {
  for (const auto& p : t.pieces()) {
    switch (p.kind) {
      case Template::Kind::kLiteral:
        out += p.text;
        break;
      case Template::Kind::kVar: {
        const auto v = static_cast<std::size_t>(p.var);
        if (drawn_in_[v] != generation_) {
          draws_[v] = vars_[v].Draw(random_);
          drawn_in_[v] = generation_;
        }
        vars_[v].Append(draws_[v], out);
        break;
      }
      case Template::Kind::kUuid:
        random_.AppendUuid(out);
        break;
      case Template::Kind::kSeq: {
        char buf[24];
        const auto r = std::to_chars(buf, buf + sizeof(buf), seq_);
        out.append(buf, r.ptr);
        break;
      }
    }
  }
}

}  // namespace keel::load
