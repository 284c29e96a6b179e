// The JSON module: strict reading with positions, escaping, writing.
#include "engine/internal/json.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "engine/internal/utf8.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace chaintrust::internal {
namespace {

using ::testing::HasSubstr;

JsonParseError ErrorOf(absl::string_view text, JsonParseOptions options = {}) {
  JsonValue value;
  JsonParseError error;
  EXPECT_FALSE(ParseJson(text, options, &value, &error)) << text;
  return error;
}

TEST(JsonReadTest, ReadsEveryKindAndKeepsMemberOrder) {
  auto value = ParseJson(
      R"({"z": [1, -2.5e1, true, false, null], "a": {"s": "x\u00e9\n"}})");
  ASSERT_TRUE(value.ok()) << value.status();
  ASSERT_TRUE(value->is_object());
  ASSERT_EQ(value->member_count(), 2u);
  EXPECT_EQ(value->key(0), "z");
  EXPECT_EQ(value->key(1), "a");
  const JsonValue& list = value->value(0);
  ASSERT_TRUE(list.is_array());
  ASSERT_EQ(list.size(), 5u);
  EXPECT_EQ(list.item(0).number_value(), 1);
  EXPECT_EQ(list.item(1).number_value(), -25);
  EXPECT_TRUE(list.item(2).bool_value());
  EXPECT_FALSE(list.item(3).bool_value());
  EXPECT_TRUE(list.item(4).is_null());
  const JsonValue* s = value->value(1).Find("s");
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->string_value(), "x\xc3\xa9\n");
  EXPECT_EQ(value->Find("missing"), nullptr);
  EXPECT_EQ(value->value(1).offset(), 43u);
}

TEST(JsonReadTest, DuplicateKeysAreErrorsAtTheKey) {
  const JsonParseError error = ErrorOf("{\"a\": {\"b\": 1,\n \"b\": 2}}");
  EXPECT_EQ(error.message, "duplicate key \"b\"");
  EXPECT_EQ(error.line, 2u);
  EXPECT_EQ(error.column, 2u);
  EXPECT_EQ(error.path, "a");
}

TEST(JsonReadTest, DuplicateKeysInLargeObjects) {
  std::string members;
  for (int i = 0; i < 100; ++i) absl::StrAppend(&members, "\"k", i, "\": 0,");
  EXPECT_EQ(ErrorOf(absl::StrCat("{", members, "\"k57\": 1}")).message,
            "duplicate key \"k57\"");
  auto value = ParseJson(absl::StrCat("{", members, "\"k100\": 1}"));
  ASSERT_TRUE(value.ok()) << value.status();
  EXPECT_EQ(value->member_count(), 101u);
}

TEST(JsonReadTest, ErrorsNameTheMemberPath) {
  const JsonParseError error =
      ErrorOf(R"({"list": [{"id": "a"}, {"id": tru}]})");
  EXPECT_EQ(error.path, "list[1].id");
  EXPECT_EQ(error.message, "invalid literal");
  EXPECT_EQ(error.ToString(),
            "line 1, column 31: invalid literal (at list[1].id)");
}

TEST(JsonReadTest, RejectsInvalidUtf8) {
  EXPECT_EQ(ErrorOf("[\"a\xff\"]").message, "invalid UTF-8 in a string");
  EXPECT_EQ(ErrorOf("[\"\xc0\xaf\"]").message, "invalid UTF-8 in a string");
  EXPECT_EQ(ErrorOf("[\"\xed\xa0\x80\"]").message,
            "invalid UTF-8 in a string");  // an encoded surrogate
  EXPECT_THAT(ErrorOf(R"(["\udc00"])").message, HasSubstr("unpaired low"));
  EXPECT_THAT(ErrorOf(R"(["\ud800x"])").message, HasSubstr("unpaired high"));
}

TEST(JsonReadTest, DepthIsLimited) {
  JsonParseOptions options;
  options.max_depth = 3;
  EXPECT_TRUE(ParseJson("[[[1]]]", options).ok());
  const JsonParseError error = ErrorOf("[[[[1]]]]", options);
  EXPECT_EQ(error.message, "nested more than 3 levels deep");
  EXPECT_EQ(error.path, "[0][0][0]");
  EXPECT_THAT(ErrorOf(std::string(1 << 20, '[')).message,
              HasSubstr("nested more than 64"));
}

TEST(JsonReadTest, RejectsWhatRfc8259Rejects) {
  for (const char* text :
       {"", "01", "1.", "1e", "-", "+1", "[1,]", "{\"a\":1,}", "{a:1}", "'x'",
        "[\"\t\"]", "[\"\\x\"]", "1 2", "nul", "1e400", "{\"a\"}"}) {
    JsonValue value;
    JsonParseError error;
    EXPECT_FALSE(ParseJson(text, {}, &value, &error)) << text;
    EXPECT_FALSE(error.message.empty()) << text;
  }
}

TEST(JsonWriteTest, EscapesStrings) {
  std::string out;
  AppendJsonString(&out, "a\"\\\n\r\t\x01\x7f\xc3\xa9\xff");
  EXPECT_EQ(out, "\"a\\\"\\\\\\n\\r\\t\\u0001\\u007f\xc3\xa9\\u00ff\"");
  EXPECT_TRUE(IsValidUtf8(out));
  EXPECT_FALSE(IsValidUtf8("\xff"));
  // What is written reads back.
  auto back = ParseJson(out);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->string_value(), "a\"\\\n\r\t\x01\x7f\xc3\xa9\xc3\xbf");
}

TEST(JsonWriteTest, WritesCompactAndIndented) {
  std::string compact;
  JsonWriter(&compact)
      .BeginObject()
      .Key("a")
      .Int(-3)
      .Key("b")
      .BeginArray()
      .Number(0.5)
      .Number(1e300)
      .Bool(true)
      .Null()
      .EndArray()
      .Key("c")
      .BeginObject()
      .EndObject()
      .EndObject();
  EXPECT_EQ(compact,
            "{\"a\":-3,\"b\":[0.5,1.0000000000000001e+300,true,null],"
            "\"c\":{}}");
  std::string pretty;
  JsonWriter(&pretty, 2)
      .BeginObject()
      .Key("a")
      .BeginArray()
      .String("x")
      .EndArray()
      .EndObject();
  EXPECT_EQ(pretty, "{\n  \"a\": [\n    \"x\"\n  ]\n}");
}

TEST(JsonWriteTest, ValuesRoundTrip) {
  const std::string text =
      R"({"b":[1,2.25,"s",{"x":null}],"a":false,"e":{},"f":[]})";
  auto value = ParseJson(text);
  ASSERT_TRUE(value.ok());
  std::string out;
  JsonWriter(&out).Value(*value);
  EXPECT_EQ(out, text);
}

TEST(JsonWriteTest, InlinesScalarArraysWhenAsked) {
  auto value =
      ParseJson(R"({"r":[1,"two",true,null],"n":[{"x":[]}],"m":[[3]],"e":[]})");
  ASSERT_TRUE(value.ok());
  std::string out;
  JsonWriter(&out, 2).InlineScalarArrays().Value(*value);
  EXPECT_EQ(out,
            "{\n"
            "  \"r\": [1, \"two\", true, null],\n"
            "  \"n\": [\n    {\n      \"x\": []\n    }\n  ],\n"
            "  \"m\": [\n    [3]\n  ],\n"
            "  \"e\": []\n"
            "}");
  std::string plain;
  JsonWriter(&plain, 2).Value(*value->Find("r"));
  EXPECT_EQ(plain, "[\n  1,\n  \"two\",\n  true,\n  null\n]");
}

}  // namespace
}  // namespace chaintrust::internal
