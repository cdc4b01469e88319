#include "src/users/user.hpp"

#include "src/common/json_writer.hpp"

namespace shop::users {

std::string UserJson(const User& user) {
  std::string out;
  out.reserve(96 + user.email.size() + user.name.size());
  JsonWriter w(out);
  w.BeginObject();
  w.Key("id");
  w.Int(user.id);
  w.Key("email");
  w.String(user.email);
  w.Key("name");
  w.String(user.name);
  w.Key("created_at");
  w.String(user.created_at);
  w.EndObject();
  return out;
}

std::string SummaryJson(const Summary& summary) {
  std::string out;
  out.reserve(128);
  JsonWriter w(out);
  w.BeginObject();
  w.Key("user_id");
  w.Int(summary.user_id);
  w.Key("order_count");
  w.Int(summary.order_count);
  w.Key("total_spent_cents");
  w.Int(summary.total_spent_cents);
  w.Key("updated_at");
  w.String(summary.updated_at);
  w.EndObject();
  return out;
}

}  // namespace shop::users
