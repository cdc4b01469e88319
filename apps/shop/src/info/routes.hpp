// Service information: GET / describes the API and links its documents.
#pragma once

#include <keel/http/router.hpp>

namespace shop::info {

void AddRoutes(keel::http::Router& router);

}  // namespace shop::info
