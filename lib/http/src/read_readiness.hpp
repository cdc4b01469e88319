#pragma once

#include <boost/asio/ip/tcp.hpp>

namespace keel::http::detail {

// Asio 1.81's epoll reactor reads a socket speculatively before parking a read, and after every
// readiness event it assumes more bytes may be waiting (it records "exhausted" only on EOF). On a
// keep-alive connection that costs a recv returning EAGAIN per request. These two calls let the
// connection pass on what it knows: a recv that returned less than the room it was given left the
// receive queue empty, and with edge-triggered epoll any later byte raises a new event (which
// re-enables the speculative read). Where the reactor is not Asio's epoll reactor they do nothing.

// After a recv on `socket` returned fewer bytes than the buffer had room for, with no readiness
// event handled in between: the next read parks without trying the socket first.
void MarkReceiveQueueEmpty(boost::asio::ip::tcp::socket& socket) noexcept;

// True when a read started now would try the socket at once (and could complete later, after other
// readiness events were handled); false when it will park until the next readiness event.
bool ReadTriesSocketFirst(boost::asio::ip::tcp::socket& socket) noexcept;

}  // namespace keel::http::detail
