// keel/core/error.hpp — expected failures as values.
//
// Every expected failure on the hot path is a keel::Error carried in a keel::Result<T>; exceptions
// are reserved for startup and configuration. One function (ErrorHttpStatus) maps an ErrorCode to
// an HTTP status, so every layer agrees on what a failure means to a client.
//
//   keel::Result<int> ParsePort(std::string_view s) {
//     if (s.empty()) return keel::Error(keel::ErrorCode::kInvalidArgument, "empty port");
//     ...
//   }
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace keel {

enum class ErrorCode {
  kOk = 0,
  kInvalidArgument,       // 400: the caller sent something malformed
  kNotFound,              // 404
  kConflict,              // 409
  kPreconditionFailed,    // 412
  kPreconditionRequired,  // 428
  kPayloadTooLarge,       // 413
  kUnsupportedMediaType,  // 415
  kUnprocessable,         // 422
  kRateLimited,           // 429
  kOverloaded,            // 503: admission, queue or pool refused the work (retry later)
  kUnavailable,           // 503: a dependency is down
  kDeadlineExceeded,      // 504: the request's deadline passed while waiting
  kCancelled,             // the operation was cancelled (client gone, shutdown)
  kInternal,              // 500: a bug or an unexpected environment failure
};

// The HTTP status for an error code (kCancelled maps to 499, never sent on the wire).
[[nodiscard]] int ErrorHttpStatus(ErrorCode code) noexcept;
// A stable lower_snake name for logs and metric labels ("deadline_exceeded").
[[nodiscard]] const char* ErrorCodeName(ErrorCode code) noexcept;

class Error {
 public:
  Error() = default;
  Error(ErrorCode code, std::string message) : code_(code), message_(std::move(message)) {}

  [[nodiscard]] ErrorCode code() const noexcept { return code_; }
  [[nodiscard]] const std::string& message() const noexcept { return message_; }
  // For kOverloaded / kRateLimited / kUnavailable: when the client may retry (Retry-After).
  [[nodiscard]] std::optional<std::chrono::seconds> retry_after() const noexcept {
    return retry_after_;
  }
  Error&& WithRetryAfter(std::chrono::seconds s) && {
    retry_after_ = s;
    return std::move(*this);
  }

 private:
  ErrorCode code_ = ErrorCode::kInternal;
  std::string message_;
  std::optional<std::chrono::seconds> retry_after_;
};

// Result<T>: a T or an Error. Result<void> carries only success or an Error.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit by design
  Result(Error error) : v_(std::in_place_index<1>, std::move(error)) {}  // NOLINT

  [[nodiscard]] bool ok() const noexcept { return v_.index() == 0; }
  explicit operator bool() const noexcept { return ok(); }

  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const Error& error() const& { return std::get<1>(v_); }
  Error&& error() && { return std::get<1>(std::move(v_)); }

 private:
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)) {}  // NOLINT: implicit by design

  [[nodiscard]] bool ok() const noexcept { return !error_.has_value(); }
  explicit operator bool() const noexcept { return ok(); }
  const Error& error() const& { return *error_; }
  Error&& error() && { return std::move(*error_); }

 private:
  std::optional<Error> error_;
};

}  // namespace keel
