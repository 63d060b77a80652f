// Internal to bsi_server_http (connection.cc only): RequestParser, Beast's
// HTTP/1.1 request parser writing straight into an HttpRequest.
//
// It routes the request as soon as the request line is known, so that the
// route's body limit is set before the body is read: Beast checks
// Content-Length against it when the header ends (error::body_limit) and
// counts a chunked body against it as it arrives.
//
// Thread-safety: used by one connection, on its thread.
#ifndef BSI_SERVER_HTTP_REQUEST_PARSER_H_
#define BSI_SERVER_HTTP_REQUEST_PARSER_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <boost/beast/http/basic_parser.hpp>
#include <boost/beast/http/error.hpp>

#include "server/http/message.h"
#include "server/http/router.h"

namespace bsi::http::internal {

// Fills request (and match, from router) as the bytes are put in. One parser
// per request (Beast parsers cannot be reset).
class RequestParser final : public boost::beast::http::basic_parser<true> {
 public:
  RequestParser(HttpRequest& request, const Router& router, RouteMatch& match)
      : request_(request), router_(router), match_(match) {}

  int version() const { return version_; }
  bool expect_continue() const { return expect_continue_; }

 private:
  void on_request_impl(boost::beast::http::verb /*method*/, boost::beast::string_view method,
                       boost::beast::string_view target, int version,
                       boost::beast::error_code& /*ec*/) override {
    version_ = version;
    request_.method.assign(method.data(), method.size());
    std::string_view whole(target.data(), target.size());
    std::size_t question = whole.find('?');
    request_.path.assign(whole.substr(0, question));
    if (question != std::string_view::npos) request_.query.assign(whole.substr(question + 1));
    match_ = router_.Match(request_.method, request_.path, &request_);
    if (match_.kind == RouteMatch::Kind::kFound) {
      body_limit(match_.max_body_bytes);
    } else {
      body_limit(boost::none);  // refused without reading the body
    }
  }

  void on_response_impl(int /*code*/, boost::beast::string_view /*reason*/, int /*version*/,
                        boost::beast::error_code& ec) override {
    ec = boost::beast::http::error::bad_method;  // never called for a request parser
  }

  void on_field_impl(boost::beast::http::field name, boost::beast::string_view name_string,
                     boost::beast::string_view value, boost::beast::error_code& /*ec*/) override {
    request_.headers.emplace_back(std::string(name_string.data(), name_string.size()),
                                  std::string(value.data(), value.size()));
    if (name == boost::beast::http::field::expect &&
        EqualsIgnoreCase(std::string_view(value.data(), value.size()), "100-continue")) {
      expect_continue_ = true;
    }
  }

  void on_header_impl(boost::beast::error_code& /*ec*/) override {}

  void on_body_init_impl(const boost::optional<std::uint64_t>& content_length,
                         boost::beast::error_code& /*ec*/) override {
    // Bounded by the body limit, checked before this call.
    if (content_length.has_value()) {
      request_.body.reserve(static_cast<std::size_t>(*content_length));
    }
  }

  std::size_t on_body_impl(boost::beast::string_view body,
                           boost::beast::error_code& /*ec*/) override {
    request_.body.append(body.data(), body.size());
    return body.size();
  }

  void on_chunk_header_impl(std::uint64_t /*size*/, boost::beast::string_view /*extensions*/,
                            boost::beast::error_code& /*ec*/) override {}

  std::size_t on_chunk_body_impl(std::uint64_t /*remain*/, boost::beast::string_view body,
                                 boost::beast::error_code& /*ec*/) override {
    request_.body.append(body.data(), body.size());
    return body.size();
  }

  void on_finish_impl(boost::beast::error_code& /*ec*/) override {}

  HttpRequest& request_;
  const Router& router_;
  RouteMatch& match_;
  int version_ = 11;
  bool expect_continue_ = false;
};

}  // namespace bsi::http::internal

#endif  // BSI_SERVER_HTTP_REQUEST_PARSER_H_
