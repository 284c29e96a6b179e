// RETURN_IF_ERROR / ASSIGN_OR_RETURN: Debian's Abseil (20220623) has none.
#ifndef CHAINTRUST_ENGINE_INTERNAL_STATUS_MACROS_H_
#define CHAINTRUST_ENGINE_INTERNAL_STATUS_MACROS_H_

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define CHAINTRUST_CONCAT_INNER_(a, b) a##b
#define CHAINTRUST_CONCAT_(a, b) CHAINTRUST_CONCAT_INNER_(a, b)

// Returns the status of `expr` from the enclosing function if it is not OK.
#define RETURN_IF_ERROR(expr)                                \
  do {                                                       \
    ::absl::Status chaintrust_status_ = (expr);              \
    if (!chaintrust_status_.ok()) return chaintrust_status_; \
  } while (false)

// `ASSIGN_OR_RETURN(auto x, F());` declares or assigns `x` from the value of
// a StatusOr, or returns its status from the enclosing function.
#define ASSIGN_OR_RETURN(lhs, expr)  \
  CHAINTRUST_ASSIGN_OR_RETURN_IMPL_( \
      CHAINTRUST_CONCAT_(chaintrust_statusor_, __LINE__), lhs, expr)

#define CHAINTRUST_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, expr) \
  auto statusor = (expr);                                      \
  if (!statusor.ok()) return std::move(statusor).status();     \
  lhs = std::move(statusor).value()

#endif  // CHAINTRUST_ENGINE_INTERNAL_STATUS_MACROS_H_
