// The transport-neutral request and response of the DPS front-end: the TLS
// server (http_server.h) fills an HttpRequest and sends back the
// HttpResponse that the router (dps_service.h) made, so the routes can be
// tested without sockets.
#ifndef CHAINTRUST_TOOLS_SERVE_HTTP_TYPES_H_
#define CHAINTRUST_TOOLS_SERVE_HTTP_TYPES_H_

#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace chaintrust::serve {

struct HttpRequest {
  std::string method;  // "GET", "PUT", ...
  std::string target;  // path and query, as sent
  // Header names in lower case; a repeated header keeps its last value.
  std::map<std::string, std::string> headers;
  std::string body;
  // The certificates the client presented in the TLS handshake, DER, leaf
  // first. Empty when it presented none.
  std::vector<std::string> peer_chain_der;
  std::string remote;  // "127.0.0.1:53412"; set when the access log is on
  int worker = 0;      // the index of the worker thread handling it

  std::string Header(const std::string& lowercase_name) const {
    auto it = headers.find(lowercase_name);
    return it == headers.end() ? std::string() : it->second;
  }
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json; charset=utf-8";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // For the access log and the metrics, not sent.
  std::string route = "unknown";
  std::string registration_id;
  std::string reason;
};

using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;
// Answers a request later: `respond` may be called from any thread, exactly
// once. The handler may keep `request` (it is its own copy).
using HttpRespond = std::function<void(HttpResponse)>;
using AsyncHttpHandler = std::function<void(HttpRequest, HttpRespond)>;

}  // namespace chaintrust::serve

#endif  // CHAINTRUST_TOOLS_SERVE_HTTP_TYPES_H_
