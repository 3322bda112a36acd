// Maps (method, path pattern) to handlers. Patterns are literal segments
// and "{name}" segments that match one non-empty segment, or "{name...}" as
// the last segment, which matches the rest of the path (for tile paths).
#pragma once

#include <string>
#include <vector>

#include "http/message.h"

namespace scitt::http {

class Router {
 public:
  void Add(std::string method, std::string pattern, Handler handler);
  // Dispatches to the first matching route, filling Request::params; answers
  // 404 (no route) or 405 with Allow (wrong method) as concise problem details
  // itself. HEAD without a HEAD route uses the GET route (the server sends
  // the headers only).
  void Dispatch(Request request, Responder respond) const;

 private:
  struct Route {
    std::string method;
    std::vector<std::string> segments;
    Handler handler;
  };
  std::vector<Route> routes_;
};

}  // namespace scitt::http
