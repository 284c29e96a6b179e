// Minimal JSON text output: string escaping for the renderers.
#ifndef CHAINTRUST_ENGINE_INTERNAL_JSON_H_
#define CHAINTRUST_ENGINE_INTERNAL_JSON_H_

#include <string>

#include "absl/strings/string_view.h"

namespace chaintrust::internal {

// Appends `value` as a quoted JSON string. Valid UTF-8 passes through;
// control characters and bytes that are not valid UTF-8 are escaped
// (\u00XX, reading a stray byte as Latin-1), so the output is always valid
// JSON whatever a certificate contains.
void AppendJsonString(std::string* out, absl::string_view value);

}  // namespace chaintrust::internal

#endif  // CHAINTRUST_ENGINE_INTERNAL_JSON_H_
