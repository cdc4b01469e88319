#include "read_readiness.hpp"

#include <boost/asio/detail/reactor.hpp>
#include <boost/version.hpp>

namespace keel::http::detail {

#if defined(BOOST_ASIO_HAS_EPOLL) && !defined(BOOST_ASIO_HAS_IO_URING_AS_DEFAULT)

static_assert(BOOST_VERSION / 100 == 1081,
              "read_readiness reaches into Asio's epoll_reactor: re-check it for this Boost");

namespace {

using Reactor = boost::asio::detail::epoll_reactor;
using SpeculativeFlags = bool[Reactor::max_ops];
using FlagsMember = SpeculativeFlags Reactor::descriptor_state::*;

// descriptor_state::try_speculative_ is private. An explicit instantiation may name a private
// member ([temp.spec.general]/6), which is how its pointer-to-member is obtained without touching
// Asio's headers.
struct FlagsTag {
  friend FlagsMember SpeculativeFlagsOf(FlagsTag);
};
template <FlagsMember M>
struct ExposeFlags {
  friend FlagsMember SpeculativeFlagsOf(FlagsTag) { return M; }
};
template struct ExposeFlags<&Reactor::descriptor_state::try_speculative_>;

// basic_socket::impl_ is protected: a derived class may form a pointer to it.
struct SocketAccess : boost::asio::ip::tcp::socket {
  static Reactor::descriptor_state* State(boost::asio::ip::tcp::socket& socket) noexcept {
    auto& impl = socket.*(&SocketAccess::impl_);
    return impl.get_implementation().reactor_data_;
  }
};

}  // namespace

void MarkReceiveQueueEmpty(boost::asio::ip::tcp::socket& socket) noexcept {
  // Only the connection's own I/O thread runs this io_context, so no reactor lock is needed.
  if (Reactor::descriptor_state* state = SocketAccess::State(socket)) {
    (state->*SpeculativeFlagsOf(FlagsTag{}))[Reactor::read_op] = false;
  }
}

bool ReadTriesSocketFirst(boost::asio::ip::tcp::socket& socket) noexcept {
  Reactor::descriptor_state* state = SocketAccess::State(socket);
  return state == nullptr || (state->*SpeculativeFlagsOf(FlagsTag{}))[Reactor::read_op];
}

#else

void MarkReceiveQueueEmpty(boost::asio::ip::tcp::socket&) noexcept {}
bool ReadTriesSocketFirst(boost::asio::ip::tcp::socket&) noexcept {
  return true;
}

#endif

}  // namespace keel::http::detail
