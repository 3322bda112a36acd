#include "http/router.h"

#include <set>
#include <utility>

namespace scitt::http {
namespace {

// "/a/b" → {"a", "b"}; "/" → {""}.
std::vector<std::string_view> SplitPath(std::string_view path) {
  std::vector<std::string_view> segments;
  if (!path.empty() && path[0] == '/') path.remove_prefix(1);
  size_t start = 0;
  for (;;) {
    const size_t slash = path.find('/', start);
    segments.push_back(path.substr(start, slash - start));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return segments;
}

bool IsParameter(const std::string& segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

bool IsRest(const std::string& segment) {
  return IsParameter(segment) && segment.size() > 5 && segment.ends_with("...}");
}

// Fills `params` and returns true when `path` (split) matches `pattern`.
bool Match(const std::vector<std::string>& pattern, const std::vector<std::string_view>& path,
           std::string_view full_path, std::map<std::string, std::string>* params) {
  params->clear();
  for (size_t i = 0; i < pattern.size(); ++i) {
    const std::string& segment = pattern[i];
    if (IsRest(segment)) {
      if (i >= path.size()) return false;
      // The rest of the path from this segment on, slashes included.
      const size_t offset = static_cast<size_t>(path[i].data() - full_path.data());
      const std::string_view rest = full_path.substr(offset);
      if (rest.empty()) return false;
      (*params)[segment.substr(1, segment.size() - 5)] = std::string(rest);
      return true;
    }
    if (i >= path.size()) return false;
    if (IsParameter(segment)) {
      if (path[i].empty()) return false;
      (*params)[segment.substr(1, segment.size() - 2)] = std::string(path[i]);
    } else if (segment != path[i]) {
      return false;
    }
  }
  return pattern.size() == path.size();
}

}  // namespace

void Router::Add(std::string method, std::string pattern, Handler handler) {
  Route route;
  route.method = std::move(method);
  for (std::string_view segment : SplitPath(pattern)) route.segments.emplace_back(segment);
  route.handler = std::move(handler);
  routes_.push_back(std::move(route));
}

void Router::Dispatch(Request request, Responder respond) const {
  const std::vector<std::string_view> path = SplitPath(request.path);
  const std::string_view full_path =
      request.path.empty() || request.path[0] != '/' ? std::string_view(request.path)
                                                      : std::string_view(request.path).substr(1);
  std::map<std::string, std::string> params;
  std::set<std::string> allowed;
  const Route* get_route = nullptr;
  std::map<std::string, std::string> get_params;
  for (const Route& route : routes_) {
    if (!Match(route.segments, path, full_path, &params)) continue;
    if (route.method == request.method) {
      request.params = std::move(params);
      route.handler(std::move(request), std::move(respond));
      return;
    }
    allowed.insert(route.method);
    if (route.method == "GET" && get_route == nullptr) {
      get_route = &route;
      get_params = params;
    }
  }
  // RFC 9110 §9.3.2: HEAD is GET without the content; the server drops the
  // body and keeps its Content-Length.
  if (request.method == "HEAD" && get_route != nullptr) {
    request.params = std::move(get_params);
    get_route->handler(std::move(request), std::move(respond));
    return;
  }
  if (allowed.empty()) {
    respond(ProblemDetails(404, "Not Found", "No resource matches this path"));
    return;
  }
  if (allowed.count("GET") != 0) allowed.insert("HEAD");
  std::string allow;
  for (const std::string& method : allowed) {
    if (!allow.empty()) allow += ", ";
    allow += method;
  }
  Response response = ProblemDetails(405, "Method Not Allowed", "Allowed methods: " + allow);
  response.Set("Allow", allow);
  respond(std::move(response));
}

}  // namespace scitt::http
