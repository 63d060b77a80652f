// Internal to bsi_server_http (connection.cc, and tests): the checks on a
// handler's response and the bytes of its head. Pure functions.
//
// Thread-safety: pure functions.
#ifndef BSI_SERVER_HTTP_RESPONSE_HEAD_H_
#define BSI_SERVER_HTTP_RESPONSE_HEAD_H_

#include <string>
#include <string_view>

#include "server/http/message.h"

namespace bsi::http::internal {

// A status in 200..599 (1xx are the server's own), header names that are
// tokens, values without CR, LF or NUL, and a file range inside its source.
bool IsValidResponse(const HttpResponse& response);

// 1xx, 204 and 304 have no body and no Content-Length.
inline bool StatusHasNoBody(int status) { return status < 200 || status == 204 || status == 304; }

// Replaces out with the status line and header fields of response, ending
// with the empty line: Server, Date (date), the response's own fields but
// those the server sets (Content-Length, Transfer-Encoding, Connection,
// Keep-Alive, Server, Date), Content-Length, and "Connection: close" when
// close, else "Connection: keep-alive" when keep_alive_http10.
// REQUIRES: IsValidResponse(response).
void FormatResponseHead(const HttpResponse& response, std::string_view date, bool close,
                        bool keep_alive_http10, std::string& out);

}  // namespace bsi::http::internal

#endif  // BSI_SERVER_HTTP_RESPONSE_HEAD_H_
