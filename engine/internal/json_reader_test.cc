// JsonReader: it accepts and rejects exactly what ParseJson does, and
// hands out strings without copying those that need no decoding.
#include "engine/internal/json_reader.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/internal/json.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace chaintrust::internal {
namespace {

bool ReaderAccepts(absl::string_view text, int max_depth = 64) {
  JsonReader reader(text, max_depth);
  const bool ok = reader.SkipValue() && reader.Finish();
  EXPECT_EQ(ok, reader.ok()) << text;
  if (!ok) EXPECT_STRNE(reader.error(), "") << text;
  return ok;
}

bool ParserAccepts(absl::string_view text, int max_depth = 64) {
  JsonParseOptions options;
  options.max_depth = max_depth;
  return ParseJson(text, options).ok();
}

const std::vector<std::string>& Texts() {
  static const auto* texts = new std::vector<std::string>{
      // Accepted.
      "0",
      "-0",
      "1.5e-3",
      "-12E+2",
      "true",
      "false",
      "null",
      "\"\"",
      " [ ] ",
      "{}",
      R"({"a": [1, {"b": null}], "c": "x\u00e9\n\"\/"})",
      R"(["\ud83d\ude00", "é", "\u0000"])",
      "123456789012345678901234567890",
      R"({"a\u0062": 1, "ab\u0063": 2})",
      // Rejected: RFC 8259, UTF-8, escapes, ranges.
      "",
      " ",
      "01",
      "1.",
      "1e",
      "-",
      "+1",
      "[1,]",
      "{\"a\":1,}",
      "{a:1}",
      "'x'",
      "[\"\t\"]",
      "[\"\\x\"]",
      "1 2",
      "nul",
      "tru",
      "1e400",
      "{\"a\"}",
      "[\"a\xff\"]",
      "[\"\xc0\xaf\"]",
      "[\"\xed\xa0\x80\"]",
      R"(["\udc00"])",
      R"(["\ud800x"])",
      R"(["\ud800\u0041"])",
      R"(["\u12"])",
      "[\"abc",
      "{\"a\":1 \"b\":2}",
      "[1 2]",
      "{\"a\" 1}",
      "[",
      "{",
      "]",
      "}",
      ",",
      // Duplicate keys, plain, escaped, and in a large object.
      R"({"a": 1, "a": 2})",
      R"({"a": 1, "\u0061": 2})",
      R"({"x": {"a": 1, "b": {"a": 1}, "a": 0}})",
  };
  return *texts;
}

TEST(JsonReaderTest, AcceptsWhatTheParserAccepts) {
  for (const std::string& text : Texts()) {
    EXPECT_EQ(ReaderAccepts(text), ParserAccepts(text)) << text;
  }
}

TEST(JsonReaderTest, AgreesWithTheParserOnEveryMutation) {
  const std::string base =
      R"({"list": [{"id": "a\u00e9", "n": -1.5e2, "ok": true},)"
      R"( {"id": "b", "x": null, "deep": [[{"k": "v"}]]}], "é": "\"q\""})";
  const char kBytes[] = {'"', '{', '}', '[', ']',    ',',    ':', '\\',
                         'u', '0', ' ', 'e', '\x80', '\x01', 'a'};
  size_t accepted = 0;
  for (size_t i = 0; i <= base.size(); ++i) {
    std::vector<std::string> variants;
    if (i < base.size())
      variants.push_back(base.substr(0, i) + base.substr(i + 1));
    for (char c : kBytes) {
      variants.push_back(base.substr(0, i) + c + base.substr(i));
      if (i < base.size()) {
        std::string replaced = base;
        replaced[i] = c;
        variants.push_back(replaced);
      }
    }
    for (const std::string& text : variants) {
      const bool parser = ParserAccepts(text);
      EXPECT_EQ(ReaderAccepts(text), parser) << text;
      accepted += parser;
    }
  }
  EXPECT_GT(accepted, 100u);  // the mutations do not only break the text
}

TEST(JsonReaderTest, ResetReadsAsAFreshReader) {
  // One reader reset over every text, in an order that leaves it mid-way
  // (an error, open containers, decoded strings) before each reset.
  JsonReader reused{absl::string_view()};
  for (int round = 0; round < 2; ++round) {
    for (const std::string& text : Texts()) {
      JsonReader fresh(text);
      reused.Reset(text);
      const bool fresh_ok = fresh.SkipValue() && fresh.Finish();
      const bool reused_ok = reused.SkipValue() && reused.Finish();
      EXPECT_EQ(reused_ok, fresh_ok) << text;
      EXPECT_STREQ(reused.error(), fresh.error()) << text;
      EXPECT_EQ(reused.offset(), fresh.offset()) << text;
    }
  }
  reused.Reset(R"({"a": "x\u00e9"})");
  absl::string_view key, value;
  ASSERT_TRUE(reused.BeginObject());
  ASSERT_TRUE(reused.NextKey(&key));
  EXPECT_EQ(key, "a");
  ASSERT_TRUE(reused.ReadString(&value));
  EXPECT_EQ(value, "x\xc3\xa9");
  EXPECT_FALSE(reused.NextKey(&key));
  EXPECT_TRUE(reused.ok() && reused.Finish());
}

TEST(JsonReaderTest, DuplicateKeysInLargeObjects) {
  std::string members;
  for (int i = 0; i < 100; ++i) absl::StrAppend(&members, "\"k", i, "\": 0,");
  EXPECT_FALSE(ReaderAccepts(absl::StrCat("{", members, "\"k57\": 1}")));
  EXPECT_FALSE(ReaderAccepts(absl::StrCat("{", members, "\"k\\u0035\": 1}")));
  EXPECT_TRUE(ReaderAccepts(absl::StrCat("{", members, "\"k100\": 1}")));
}

TEST(JsonReaderTest, DepthIsLimitedAsByTheParser) {
  for (int depth = 1; depth <= 6; ++depth) {
    const std::string text =
        std::string(depth, '[') + "1" + std::string(depth, ']');
    EXPECT_EQ(ReaderAccepts(text, 4), ParserAccepts(text, 4)) << depth;
    EXPECT_EQ(ReaderAccepts(text, 4), depth <= 4);
  }
  EXPECT_FALSE(ReaderAccepts(std::string(1 << 20, '[')));
}

TEST(JsonReaderTest, WalksMembersAndKeepsPlainStringsInTheText) {
  const std::string text =
      R"( {"id": "plain", "esc\u0061ped": "a\nb", "list": [1, "x"]} )";
  JsonReader reader(text);
  ASSERT_TRUE(reader.BeginObject());
  absl::string_view key, value;
  ASSERT_TRUE(reader.NextKey(&key));
  EXPECT_EQ(key, "id");
  ASSERT_TRUE(reader.ReadString(&value));
  EXPECT_EQ(value, "plain");
  EXPECT_TRUE(value.data() > text.data() &&
              value.data() < text.data() + text.size());
  ASSERT_TRUE(reader.NextKey(&key));
  EXPECT_EQ(key, "escaped");
  ASSERT_TRUE(reader.ReadString(&value));
  EXPECT_EQ(value, "a\nb");
  ASSERT_TRUE(reader.NextKey(&key));
  EXPECT_EQ(key, "list");
  JsonValue::Kind kind;
  ASSERT_TRUE(reader.Peek(&kind));
  EXPECT_EQ(kind, JsonValue::Kind::kArray);
  ASSERT_TRUE(reader.BeginArray());
  ASSERT_TRUE(reader.NextElement());
  double number = 0;
  ASSERT_TRUE(reader.ReadNumber(&number));
  EXPECT_EQ(number, 1);
  ASSERT_TRUE(reader.NextElement());
  ASSERT_TRUE(reader.ReadString(&value));
  EXPECT_EQ(value, "x");
  EXPECT_FALSE(reader.NextElement());
  EXPECT_FALSE(reader.NextKey(&key));
  EXPECT_TRUE(reader.ok());
  EXPECT_TRUE(reader.Finish());
}

TEST(JsonReaderTest, ReportsWhereItStopped) {
  JsonReader reader(R"({"a": 1, "a": 2})");
  EXPECT_FALSE(reader.SkipValue());
  EXPECT_STREQ(reader.error(), "duplicate key");
  EXPECT_EQ(reader.offset(), 13u);  // after the repeated key and its ':'
  JsonReader wrong_kind(R"("text")");
  EXPECT_FALSE(wrong_kind.BeginObject());
  EXPECT_STREQ(wrong_kind.error(), "expected an object");
}

TEST(JsonKeySetTest, CopiesOnlyKeysOutsideTheText) {
  const std::string text = R"("a" "b")";
  JsonKeySet keys;
  EXPECT_TRUE(keys.Insert(absl::string_view(text).substr(1, 1), text));
  std::string decoded = "b";
  EXPECT_TRUE(keys.Insert(decoded, text));
  decoded = "z";  // the set kept its own copy of "b"
  EXPECT_FALSE(keys.Insert("b", text));
  EXPECT_FALSE(keys.Insert(absl::string_view(text).substr(1, 1), text));
  keys.Clear();
  EXPECT_TRUE(keys.Insert("b", text));
}

}  // namespace
}  // namespace chaintrust::internal
