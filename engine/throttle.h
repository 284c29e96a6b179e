// Throttling of registration attempts: a per-registration-ID
// backoff for devices that keep retrying after a deny, and an optional
// global rate per instance. Both are off by default, for offline use.
//
// How the engine uses it:
//   1. Before evaluating an attempt: Check(id, now). When it is not allowed,
//      the decision is DENY THROTTLED with decision.retry_after, and the
//      attempt is not evaluated (and must not be passed to RecordDeny).
//   2. After evaluating it: RecordDeny(id, now) for a DENY (QUOTA_EXCEEDED
//      included: a device beyond the quota retries forever too), or
//      RecordAllow(id) for an ALLOW, which forgets the ID's denies.
//
// Per registration ID (exponential backoff). After an ID's n-th deny in a
// row its next attempt is refused until
//   last deny + min(initial_backoff * backoff_multiplier^(n-1), max_backoff).
// An attempt refused for backoff does not lengthen it: the device gets
// through as soon as the backoff ends, however often it knocked meanwhile.
// The denies are forgotten after the ID was quiet (no deny) for
// forget_after past the end of its backoff, or after an ALLOW. At most
// max_tracked_ids IDs are remembered; when a new one would exceed that, the
// ID whose last deny is oldest is forgotten (it is then treated as new).
// IDs are compared case-insensitively, like registration IDs everywhere.
//
// Global rate (token bucket): global_rate_per_minute attempts per minute on
// average, bursts up to global_burst. Checked after the per-ID backoff, so a
// device held back by its backoff spends no global token. DPS allows 1,000
// registrations per minute per instance (kDpsRegistrationsPerMinute).
//
// Time is injected: every call takes `now`; the throttle reads no clock.
// Time going backwards is tolerated (treated as no time passing).
// Thread-safe.
#ifndef CHAINTRUST_ENGINE_THROTTLE_H_
#define CHAINTRUST_ENGINE_THROTTLE_H_

#include <cstdint>
#include <memory>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace chaintrust {

// DPS's default registration rate per instance.
inline constexpr double kDpsRegistrationsPerMinute = 1000;

struct ThrottleOptions {
  // Per-registration-ID backoff after denies. Default off.
  bool per_id_enabled = false;
  // The backoff after the first deny in a row. Default 1 s; must be > 0.
  absl::Duration initial_backoff = absl::Seconds(1);
  // Growth per further deny in a row. Default 2; must be >= 1.
  double backoff_multiplier = 2.0;
  // The longest backoff. Default 5 min; must be >= initial_backoff.
  absl::Duration max_backoff = absl::Minutes(5);
  // Quiet time after a backoff ends after which an ID's denies are
  // forgotten. Default 1 h; must be >= 0.
  absl::Duration forget_after = absl::Hours(1);
  // The most IDs remembered at once (bounds memory, about 150 bytes per
  // ID). Default 100,000; must be >= 1 when per_id_enabled.
  int64_t max_tracked_ids = 100'000;

  // Global attempts per minute; 0 = off (default). Must be >= 0.
  double global_rate_per_minute = 0;
  // The global bucket's capacity; 0 = one minute's worth
  // (global_rate_per_minute). Must be >= 0.
  double global_burst = 0;
};

enum class ThrottleScope : uint8_t {
  kNone,            // allowed
  kRegistrationId,  // the ID's backoff after denies
  kGlobal,          // the instance's global rate
};
absl::string_view ThrottleScopeName(ThrottleScope scope);  // "GLOBAL", ...

struct ThrottleDecision {
  bool allowed = true;
  // Which limit refused; kNone when allowed.
  ThrottleScope scope = ThrottleScope::kNone;
  // When refused: how long until the attempt would pass this check (the
  // hint for DPS's Retry-After). Zero when allowed.
  absl::Duration retry_after = absl::ZeroDuration();
  // The ID's denies in a row so far (0 when unknown or per-ID is off), for
  // explanations.
  int consecutive_denies = 0;
};

class Throttle {
 public:
  // Checks `options` (InvalidArgument names the bad field).
  static absl::StatusOr<std::unique_ptr<Throttle>> Create(
      const ThrottleOptions& options);

  Throttle(const Throttle&) = delete;
  Throttle& operator=(const Throttle&) = delete;
  ~Throttle();

  // Whether either limit is on; when not, Check always allows.
  bool enabled() const;

  // Decides whether an attempt of `registration_id` at `now` may be
  // evaluated; an allowed attempt spends a global token.
  ThrottleDecision Check(absl::string_view registration_id, absl::Time now);
  // Records that an evaluated attempt was denied.
  void RecordDeny(absl::string_view registration_id, absl::Time now);
  // Records that an evaluated attempt was allowed: forgets the ID's denies.
  void RecordAllow(absl::string_view registration_id);

  // How many IDs are remembered (for tests and metrics).
  int64_t tracked_ids() const;

 private:
  class State;  // the options, the per-ID entries and the bucket
  explicit Throttle(std::unique_ptr<State> state);

  const std::unique_ptr<State> state_;
};

}  // namespace chaintrust

#endif  // CHAINTRUST_ENGINE_THROTTLE_H_
