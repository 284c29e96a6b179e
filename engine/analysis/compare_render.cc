// Text and JSON renderings of a CompareReport (compare.h).
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "engine/analysis/compare.h"

namespace chaintrust::analysis {
namespace {

constexpr absl::string_view kHigher = "stillEnrolledThroughHigherGroup";
constexpr absl::string_view kRevoked = "stillAllowedAfterRevokingCa";

using Buckets = std::map<std::pair<std::string, std::string>, Bucket>;

std::string Indent(absl::string_view text, absl::string_view prefix) {
  std::string out;
  for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipEmpty())) {
    absl::StrAppend(&out, prefix, line, "\n");
  }
  return out;
}

std::string SampleJson(const std::vector<std::string>& sample) {
  std::string out = "[";
  for (size_t i = 0; i < sample.size(); ++i) {
    absl::StrAppend(&out, i ? "," : "", JsonQuote(sample[i]));
  }
  return out + "]";
}

std::string SampleText(const Bucket& b) {
  std::string out = absl::StrJoin(b.sample, ", ");
  if (b.count > b.sample.size()) {
    absl::StrAppend(&out, ", ... (", b.count - b.sample.size(), " more)");
  }
  return out;
}

std::string Plural(size_t n, absl::string_view word) {
  return absl::StrCat(n, " ", word, n == 1 ? "" : "s");
}

// {"count": N, "byGroup": [{GROUP_FIELD, "allowedBy", "count", ...}]}.
std::string CalloutsJson(absl::string_view name, const char* group_field,
                         size_t total, const Buckets& buckets) {
  std::string out =
      absl::StrCat(",\"", name, "\":{\"count\":", total, ",\"byGroup\":[");
  bool first = true;
  for (const auto& [key, b] : buckets) {
    absl::StrAppend(
        &out, first ? "" : ",", "{\"", group_field, "\":", JsonQuote(key.first),
        ",\"allowedBy\":", JsonQuote(key.second), ",\"count\":", b.count);
    if (name == kHigher) {
      absl::StrAppend(&out, ",\"wereDenied\":", b.was_denied);
    }
    absl::StrAppend(&out, ",\"sample\":", SampleJson(b.sample), "}");
    first = false;
  }
  return out + "]}";
}

std::string CalloutsText(const CompareReport& r) {
  std::string out;
  if (r.through_higher_group > 0) {
    absl::StrAppend(&out, "\n!! ", Plural(r.through_higher_group, "device"),
                    " stay enrolled only through a higher group after the "
                    "delete:\n");
    for (const auto& [key, b] : r.higher) {
      absl::StrAppend(&out, "   group ", key.first,
                      " deleted -> now allowed by ", key.second, ": ",
                      Plural(b.count, "device"));
      if (b.was_denied > 0) {
        absl::StrAppend(&out, " (", b.was_denied,
                        " of them DENIED before: the delete re-enrolls "
                        "them)");
      }
      absl::StrAppend(&out, "\n     ", SampleText(b), "\n");
    }
  }
  if (r.still_allowed > 0) {
    absl::StrAppend(&out, "\n!! ", Plural(r.still_allowed, "device"),
                    " still allowed although a disabled or deleted "
                    "group's CA is on their path:\n");
    for (const auto& [key, b] : r.still) {
      absl::StrAppend(&out, "   group ", key.first,
                      " revoked -> still allowed by ", key.second, ": ",
                      Plural(b.count, "device"), "\n     ", SampleText(b),
                      "\n");
    }
  }
  return out;
}

}  // namespace

std::string CompareJson(const CompareReport& r) {
  std::string out = absl::StrCat("{\"change\":[");
  for (size_t i = 0; i < r.change.size(); ++i) {
    absl::StrAppend(&out, i ? "," : "", JsonQuote(r.change[i]));
  }
  absl::StrAppend(&out, "],\"devices\":", r.devices, ",\"changed\":", r.changed,
                  ",\"transitions\":[");
  bool first = true;
  for (const auto& [key, b] : r.transitions) {
    absl::StrAppend(
        &out, first ? "" : ",", "{\"before\":", JsonQuote(key.first),
        ",\"after\":", JsonQuote(key.second), ",\"count\":", b.count,
        ",\"sample\":", SampleJson(b.sample), "}");
    first = false;
  }
  out += "]";
  out +=
      CalloutsJson(kHigher, "deletedGroup", r.through_higher_group, r.higher);
  out += CalloutsJson(kRevoked, "revokedGroup", r.still_allowed, r.still);
  return out + "}";
}

std::string CompareText(absl::string_view command, const CompareReport& r,
                        absl::string_view out_path) {
  std::string out;
  absl::StrAppend(&out, command, ": ", absl::StrJoin(r.change, ", "), "\n",
                  "devices: ", r.devices, "   changed: ", r.changed,
                  "   called out: ", r.through_higher_group,
                  " (higher group), ", r.still_allowed, " (revoked CA)\n");
  if (!out_path.empty()) {
    absl::StrAppend(&out, "every changed or called-out device: ", out_path,
                    "\n");
  }
  for (const auto& [key, b] : r.transitions) {
    absl::StrAppend(&out, "\n== ", Plural(b.count, "device"),
                    "\n   before: ", key.first, "\n   after:  ", key.second,
                    "\n   ", SampleText(b), "\n   e.g. ", b.sample[0],
                    " before:\n", Indent(b.before_text, "     "), "   e.g. ",
                    b.sample[0], " after:\n", Indent(b.after_text, "     "));
  }
  return out + CalloutsText(r);
}

}  // namespace chaintrust::analysis
