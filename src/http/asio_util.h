// Internal to src/http (not part of its API): the Asio and Beast names shared
// by the server and the client. Include only from src/http/*.cc, which keeps
// the Boost headers out of the public http headers.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/system/error_code.hpp>

namespace scitt::http::internal {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;  // `http` is this library's namespace
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;

}  // namespace scitt::http::internal
