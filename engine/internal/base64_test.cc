#include "engine/internal/base64.h"

#include <cstdint>
#include <random>
#include <string>

#include "absl/strings/escaping.h"
#include "gtest/gtest.h"

namespace chaintrust::internal {
namespace {

// The decoding DecodeBase64Pem replaces: whitespace removed, every other
// character checked against the standard alphabet and '=', then
// absl::Base64Unescape; at least one byte out.
bool ReferenceDecode(absl::string_view text, std::string* out) {
  std::string compact;
  for (char c : text) {
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' ||
        c == '\v') {
      continue;
    }
    const bool valid = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                       (c >= '0' && c <= '9') || c == '+' || c == '/' ||
                       c == '=';
    if (!valid) return false;
    compact.push_back(c);
  }
  if (compact.empty()) return false;
  return absl::Base64Unescape(compact, out) && !out->empty();
}

void ExpectAgrees(absl::string_view text) {
  std::string expected;
  const bool expected_ok = ReferenceDecode(text, &expected);
  std::string got = "stale contents";
  const bool ok = DecodeBase64Pem(text, &got);
  ASSERT_EQ(ok, expected_ok) << "text: \"" << absl::CEscape(text) << "\"";
  if (ok) {
    EXPECT_EQ(got, expected) << "text: \"" << absl::CEscape(text) << "\"";
  }
}

TEST(DecodeBase64PemTest, DecodesPemBodies) {
  std::string out;
  ASSERT_TRUE(DecodeBase64Pem("\naGVs\nbG8=\n", &out));
  EXPECT_EQ(out, "hello");
  ASSERT_TRUE(DecodeBase64Pem("aGVsbG8", &out));  // padding optional
  EXPECT_EQ(out, "hello");
  ASSERT_TRUE(DecodeBase64Pem(" a G\tV s\r\nbG8 = ", &out));
  EXPECT_EQ(out, "hello");
}

TEST(DecodeBase64PemTest, RejectsWhatTheReferenceRejects) {
  std::string out;
  const absl::string_view kBad[] = {
      "",         " \n",      "=",        "====",
      "A",        "AAAAA",    "AA=",      "AA===",
      "AAAA=",    "AA==AA==", "AA=A",     "aGVs-bG8",
      "aGVs_bG8", "aGVs.bG8", "aGVsbG8*", absl::string_view("aGVs\0bG8", 8)};
  for (absl::string_view bad : kBad) {
    EXPECT_FALSE(DecodeBase64Pem(bad, &out)) << absl::CEscape(bad);
    ExpectAgrees(bad);
  }
}

// Every byte value, alone and in every position of a group, with and
// without padding and line breaks around it.
TEST(DecodeBase64PemTest, AgreesOnEveryCharacter) {
  for (int c = 0; c < 256; ++c) {
    const std::string ch(1, static_cast<char>(c));
    for (const std::string& text :
         {ch, "AAA" + ch, "AA" + ch + "A", "A" + ch + "AA", ch + "AAA",
          "AAAA" + ch, "AAAAAA" + ch, "AA" + ch + "=",
          "AA" + ch + "==", "AAAA\n" + ch + "AAA\n", "QUJD" + ch + "\nREVG",
          ch + "=", "AA==" + ch}) {
      ExpectAgrees(text);
    }
  }
}

TEST(DecodeBase64PemTest, AgreesOnPaddingAndWhitespaceForms) {
  const std::string data[] = {"",        "Q",       "QU",     "QUI",
                              "QUJD",    "QUJDRA",  "QUJDRA", "QUJDRE",
                              "QUJDREU", "QUJDREVG"};
  const std::string tails[] = {
      "",    "=",    "==", "===",         "====", " =",
      "= =", "=\n=", "\n", " \t\r\n\f\v", "=\n",  "==\r\n"};
  for (const std::string& d : data) {
    for (const std::string& t : tails) {
      ExpectAgrees(d + t);
      ExpectAgrees(" " + d + t + " ");
      ExpectAgrees(d.substr(0, d.size() / 2) + "\n" + d.substr(d.size() / 2) +
                   t);
    }
  }
}

// Random text over the alphabet, '=', whitespace and a few invalid
// characters, in lengths around whole groups and PEM lines.
TEST(DecodeBase64PemTest, AgreesOnRandomText) {
  const std::string alphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const std::string rare = "= \t\r\n\f\v-_.*\x80\xff";
  std::mt19937 rng(20261202);
  for (int round = 0; round < 200000; ++round) {
    const size_t length = rng() % 140;
    const int rare_per_mille = round % 3 == 0 ? 0 : (round % 3 == 1 ? 5 : 60);
    std::string text;
    for (size_t i = 0; i < length; ++i) {
      if (static_cast<int>(rng() % 1000) < rare_per_mille) {
        text.push_back(rare[rng() % rare.size()]);
      } else if (i % 65 == 64 && round % 2 == 0) {
        text.push_back('\n');  // PEM line breaks
      } else {
        text.push_back(alphabet[rng() % alphabet.size()]);
      }
    }
    if (round % 4 == 1) text += std::string(rng() % 3, '=');
    ExpectAgrees(text);
    if (HasFailure()) return;
  }
}

TEST(DecodeBase64PemTest, ReusesTheOutputString) {
  std::string out(4096, 'x');
  ASSERT_TRUE(DecodeBase64Pem("AQID", &out));
  EXPECT_EQ(out, std::string("\x01\x02\x03"));
}

}  // namespace
}  // namespace chaintrust::internal
