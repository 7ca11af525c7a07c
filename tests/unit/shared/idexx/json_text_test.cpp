// tests/unit/shared/idexx/json_text_test.cpp   <->   shared/idexx/json_text.cpp
#include "shared/idexx/json_text.hpp"

#include <boost/test/unit_test.hpp>

#include <random>

using nlohmann::json;

namespace {

std::string nlohmann_text(const json& value, bool replace)
{
  return value.dump(-1, ' ', false, replace ? json::error_handler_t::replace : json::error_handler_t::strict);
}

} // namespace

BOOST_AUTO_TEST_SUITE(idexx_json_text)

BOOST_AUTO_TEST_CASE(compact_json_writes_the_same_bytes_as_nlohmann_dump)
{
  const auto value = json::parse(R"({"consultation": {"id": 7, "notes": "<p>S:&nbsp;\"ok\"\\ \r\n\t\b\f\u0001\u001f \u007f</p>",
      "quantity": 10.25, "big": 18446744073709551615, "neg": -3, "zero": 0.0, "tiny": 1e-7},
      "lines": [[], {}, [true, false, null]], "names": ["ZOË", "小白", "LUNA 🐾", "Zoe\u0308"], "": ""})");
  BOOST_TEST(shared::idexx::compact_json(value) == value.dump());
  BOOST_TEST(shared::idexx::compact_json(value, true) == nlohmann_text(value, true));
  BOOST_TEST(shared::idexx::compact_json(json::array()) == "[]");
  BOOST_TEST(shared::idexx::compact_json(json::object()) == "{}");
}

BOOST_AUTO_TEST_CASE(compact_json_matches_nlohmann_on_random_bytes_valid_or_not)
{
  std::mt19937 random(20261122);
  const std::string alphabet = std::string("aZ\"\\<>&;\r\n\t\x01\x1f\x7f") + "\xc3\xa9\xe5\xb0\x8f\xf0\x9f\x90\xbe" +
                               "\x80\xbf\xc0\xc1\xe0\xed\xa0\xf4\x90\xf5\xff";
  for (int round = 0; round < 5000; ++round) {
    std::string text;
    const auto length = random() % 12;
    for (unsigned i = 0; i < length; ++i) {
      text += alphabet[random() % alphabet.size()];
    }
    const json value = json::array({text, json{{"k", text}}});
    BOOST_TEST(shared::idexx::compact_json(value, true) == nlohmann_text(value, true));
    bool nlohmann_threw = false;
    std::string expected;
    try {
      expected = value.dump();
    } catch (const json::type_error&) {
      nlohmann_threw = true;
    }
    if (nlohmann_threw) {
      BOOST_CHECK_THROW(shared::idexx::compact_json(value), json::type_error);
    } else {
      BOOST_TEST(shared::idexx::compact_json(value) == expected);
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
