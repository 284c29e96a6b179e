#include "engine/throttle.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <iterator>
#include <list>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "engine/internal/tsan_mutex.h"

namespace chaintrust {
namespace {

absl::Status Invalid(absl::string_view field, absl::string_view why) {
  return absl::InvalidArgumentError(
      absl::StrCat("throttle option ", field, " ", why));
}

}  // namespace

class Throttle::State {
 public:
  explicit State(const ThrottleOptions& options);

  bool enabled() const;
  ThrottleDecision Check(absl::string_view registration_id, absl::Time now);
  void RecordDeny(absl::string_view registration_id, absl::Time now);
  void RecordAllow(absl::string_view registration_id);
  int64_t tracked_ids() const;

 private:
  struct Entry {
    int denies = 0;
    absl::Time last_deny;
    absl::Time blocked_until;
    std::list<std::string>::iterator lru;  // position in lru_
  };

  absl::Duration BackoffAfter(int denies) const;
  void Forget(absl::flat_hash_map<std::string, Entry>::iterator it)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const ThrottleOptions options_;
  const double global_burst_;

  mutable internal::AnnotatedMutex mu_;
  absl::flat_hash_map<std::string, Entry> entries_ ABSL_GUARDED_BY(mu_);
  // Keys ordered by last deny, oldest first.
  std::list<std::string> lru_ ABSL_GUARDED_BY(mu_);
  double tokens_ ABSL_GUARDED_BY(mu_);
  absl::Time last_refill_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
};

absl::string_view ThrottleScopeName(ThrottleScope scope) {
  switch (scope) {
    case ThrottleScope::kNone:
      return "NONE";
    case ThrottleScope::kRegistrationId:
      return "REGISTRATION_ID";
    case ThrottleScope::kGlobal:
      return "GLOBAL";
  }
  return "UNKNOWN";
}

absl::StatusOr<std::unique_ptr<Throttle>> Throttle::Create(
    const ThrottleOptions& options) {
  if (options.per_id_enabled) {
    if (options.initial_backoff <= absl::ZeroDuration()) {
      return Invalid("initial_backoff", "must be positive");
    }
    if (!(options.backoff_multiplier >= 1.0) ||
        !std::isfinite(options.backoff_multiplier)) {
      return Invalid("backoff_multiplier", "must be a finite number >= 1");
    }
    if (options.max_backoff < options.initial_backoff ||
        options.max_backoff == absl::InfiniteDuration()) {
      return Invalid("max_backoff", "must be finite and >= initial_backoff");
    }
    if (options.forget_after < absl::ZeroDuration() ||
        options.forget_after == absl::InfiniteDuration()) {
      return Invalid("forget_after", "must be finite and >= 0");
    }
    if (options.max_tracked_ids < 1) {
      return Invalid("max_tracked_ids", "must be at least 1");
    }
  }
  if (!(options.global_rate_per_minute >= 0) ||
      !std::isfinite(options.global_rate_per_minute)) {
    return Invalid("global_rate_per_minute", "must be a finite number >= 0");
  }
  if (!(options.global_burst >= 0) || !std::isfinite(options.global_burst)) {
    return Invalid("global_burst", "must be a finite number >= 0");
  }
  if (options.global_rate_per_minute > 0 && options.global_burst > 0 &&
      options.global_burst < 1) {
    return Invalid("global_burst", "must be at least 1 (or 0 for the default)");
  }
  return std::unique_ptr<Throttle>(
      new Throttle(std::make_unique<State>(options)));
}

Throttle::Throttle(std::unique_ptr<State> state) : state_(std::move(state)) {}
Throttle::~Throttle() = default;

bool Throttle::enabled() const { return state_->enabled(); }

ThrottleDecision Throttle::Check(absl::string_view registration_id,
                                 absl::Time now) {
  return state_->Check(registration_id, now);
}

void Throttle::RecordDeny(absl::string_view registration_id, absl::Time now) {
  state_->RecordDeny(registration_id, now);
}

void Throttle::RecordAllow(absl::string_view registration_id) {
  state_->RecordAllow(registration_id);
}

int64_t Throttle::tracked_ids() const { return state_->tracked_ids(); }

Throttle::State::State(const ThrottleOptions& options)
    : options_(options),
      global_burst_(options.global_burst > 0
                        ? options.global_burst
                        : std::max(1.0, options.global_rate_per_minute)),
      tokens_(global_burst_) {}

bool Throttle::State::enabled() const {
  return options_.per_id_enabled || options_.global_rate_per_minute > 0;
}

absl::Duration Throttle::State::BackoffAfter(int denies) const {
  // initial * multiplier^(denies-1), computed in doubles and capped before
  // converting, so large deny counts cannot overflow.
  const double factor =
      std::pow(options_.backoff_multiplier, std::max(0, denies - 1));
  const double seconds =
      absl::ToDoubleSeconds(options_.initial_backoff) * factor;
  if (!(seconds < absl::ToDoubleSeconds(options_.max_backoff))) {
    return options_.max_backoff;
  }
  return absl::Seconds(seconds);
}

void Throttle::State::Forget(
    absl::flat_hash_map<std::string, Entry>::iterator it) {
  lru_.erase(it->second.lru);
  entries_.erase(it);
}

ThrottleDecision Throttle::State::Check(absl::string_view registration_id,
                                        absl::Time now) {
  ThrottleDecision decision;
  if (!enabled()) return decision;
  internal::AnnotatedMutexLock lock(&mu_);
  if (options_.per_id_enabled && !entries_.empty()) {
    auto it = entries_.find(absl::AsciiStrToLower(registration_id));
    if (it != entries_.end()) {
      Entry& entry = it->second;
      if (now >= entry.blocked_until + options_.forget_after) {
        Forget(it);  // quiet long enough: a fresh start
      } else {
        decision.consecutive_denies = entry.denies;
        if (now < entry.blocked_until) {
          decision.allowed = false;
          decision.scope = ThrottleScope::kRegistrationId;
          decision.retry_after = entry.blocked_until - now;
          return decision;
        }
      }
    }
  }
  if (options_.global_rate_per_minute > 0) {
    const double per_second = options_.global_rate_per_minute / 60.0;
    if (last_refill_ == absl::InfinitePast()) {
      last_refill_ = now;
    } else if (now > last_refill_) {
      tokens_ = std::min(
          global_burst_,
          tokens_ + absl::ToDoubleSeconds(now - last_refill_) * per_second);
      last_refill_ = now;
    }
    if (tokens_ >= 1.0) {
      tokens_ -= 1.0;
    } else {
      decision.allowed = false;
      decision.scope = ThrottleScope::kGlobal;
      // Round up to a whole microsecond so that retrying after exactly
      // retry_after succeeds.
      decision.retry_after = absl::Ceil(
          absl::Seconds((1.0 - tokens_) / per_second), absl::Microseconds(1));
    }
  }
  return decision;
}

void Throttle::State::RecordDeny(absl::string_view registration_id,
                                 absl::Time now) {
  if (!options_.per_id_enabled) return;
  std::string key = absl::AsciiStrToLower(registration_id);
  internal::AnnotatedMutexLock lock(&mu_);
  // Forget IDs idle for long enough. lru_ is ordered by last deny, and an
  // entry is surely stale once max_backoff + forget_after passed since its
  // last deny, so the scan stops at the first live one.
  const absl::Duration stale_after =
      options_.max_backoff + options_.forget_after;
  while (!lru_.empty()) {
    auto oldest = entries_.find(lru_.front());
    if (now < oldest->second.last_deny + stale_after) break;
    Forget(oldest);
  }

  auto it = entries_.find(key);
  if (it == entries_.end()) {
    while (static_cast<int64_t>(entries_.size()) >= options_.max_tracked_ids) {
      Forget(entries_.find(lru_.front()));
    }
    lru_.push_back(key);
    it = entries_.emplace(std::move(key), Entry()).first;
    it->second.lru = std::prev(lru_.end());
  } else {
    Entry& entry = it->second;
    if (now < entry.blocked_until) return;  // not evaluated; no escalation
    if (now >= entry.blocked_until + options_.forget_after) entry.denies = 0;
    lru_.splice(lru_.end(), lru_, entry.lru);
  }
  Entry& entry = it->second;
  entry.denies = std::min(entry.denies + 1, 1 << 20);
  entry.last_deny = now;
  entry.blocked_until = now + BackoffAfter(entry.denies);
}

void Throttle::State::RecordAllow(absl::string_view registration_id) {
  if (!options_.per_id_enabled) return;
  const std::string key = absl::AsciiStrToLower(registration_id);
  internal::AnnotatedMutexLock lock(&mu_);
  auto it = entries_.find(key);
  if (it != entries_.end()) Forget(it);
}

int64_t Throttle::State::tracked_ids() const {
  internal::AnnotatedMutexLock lock(&mu_);
  return static_cast<int64_t>(entries_.size());
}

}  // namespace chaintrust
