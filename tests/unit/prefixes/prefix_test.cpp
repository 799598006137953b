#include "prefixes/prefix.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "core/error.h"

namespace ew {
namespace {

using ::testing::HasSubstr;

// The message of the ew::Error that parsing `text` throws, or "" when it parses.
std::string parse_error(const std::string& text) {
  try {
    Prefix::parse(text);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(PrefixParse, AcceptsIpv4Cidr) {
  Prefix p = Prefix::parse("192.0.2.0/24");
  EXPECT_EQ(p.family, 4);
  EXPECT_EQ(p.length, 24);
  EXPECT_EQ(p.addr[0], 192);
  EXPECT_EQ(p.addr[1], 0);
  EXPECT_EQ(p.addr[2], 2);
  EXPECT_EQ(p.addr[3], 0);
  EXPECT_EQ(p.to_string(), "192.0.2.0/24");
}

TEST(PrefixParse, Ipv4LeavesTheRestOfTheAddressZero) {
  Prefix p = Prefix::parse("255.255.255.255/32");
  for (size_t i = 4; i < p.addr.size(); i++)
    EXPECT_EQ(p.addr[i], 0) << "byte " << i;
}

TEST(PrefixParse, AcceptsIpv6Cidr) {
  Prefix p = Prefix::parse("2001:db8::/32");
  EXPECT_EQ(p.family, 6);
  EXPECT_EQ(p.length, 32);
  EXPECT_EQ(p.addr[0], 0x20);
  EXPECT_EQ(p.addr[1], 0x01);
  EXPECT_EQ(p.addr[2], 0x0d);
  EXPECT_EQ(p.addr[3], 0xb8);
  for (size_t i = 4; i < p.addr.size(); i++)
    EXPECT_EQ(p.addr[i], 0) << "byte " << i;
}

TEST(PrefixParse, BareIpv4AddressIsAHostPrefix) {
  Prefix p = Prefix::parse("198.51.100.7");
  EXPECT_EQ(p.family, 4);
  EXPECT_EQ(p.length, 32);
  EXPECT_EQ(p.to_string(), "198.51.100.7/32");
}

TEST(PrefixParse, BareIpv6AddressIsAHostPrefix) {
  Prefix p = Prefix::parse("2001:db8::1");
  EXPECT_EQ(p.family, 6);
  EXPECT_EQ(p.length, 128);
  EXPECT_EQ(p.to_string(), "2001:db8::1/128");
}

TEST(PrefixParse, ZeroLengthMatchesEverything) {
  Prefix v4 = Prefix::parse("0.0.0.0/0");
  EXPECT_EQ(v4.family, 4);
  EXPECT_EQ(v4.length, 0);
  EXPECT_EQ(v4.to_string(), "0.0.0.0/0");
  Prefix v6 = Prefix::parse("::/0");
  EXPECT_EQ(v6.family, 6);
  EXPECT_EQ(v6.length, 0);
  EXPECT_EQ(v6.to_string(), "::/0");
}

TEST(PrefixParse, AcceptsMaximumLengths) {
  EXPECT_EQ(Prefix::parse("203.0.113.9/32").length, 32);
  EXPECT_EQ(Prefix::parse("2001:db8::9/128").length, 128);
}

TEST(PrefixParse, RejectsEmpty) {
  EXPECT_THROW(Prefix::parse(""), Error);
  EXPECT_THAT(parse_error(""), HasSubstr("empty"));
}

TEST(PrefixParse, RejectsGarbage) {
  for (const char* text :
       {"garbage", "example.com", "1.2.3", "1.2.3.4.5", "256.0.0.0/8", "1.2.3.4 /32", " 1.2.3.4",
        "2001:db8::g/32", "2001:db8:::1", "fe80::1%eth0", "/", "/24"}) {
    SCOPED_TRACE(text);
    EXPECT_THROW(Prefix::parse(text), Error);
  }
}

// Found by prefix_fuzz: text after a NUL byte (a config file's \u0000) was
// ignored, so "192.0.2.0<NUL>junk/24" parsed as 192.0.2.0/24.
TEST(PrefixParse, RejectsANulByte) {
  using namespace std::string_literals;
  for (const std::string& text :
       {"192.0.2.0\0junk/24"s, "::\0\0\0\x1c"s, "10.0.0.0/8\0"s, "\0"s, "2001:db8::\0/32"s}) {
    SCOPED_TRACE(text);
    EXPECT_THROW(Prefix::parse(text), Error);
    EXPECT_THAT(parse_error(text), HasSubstr("NUL"));
  }
}

TEST(PrefixParse, ErrorNamesTheText) {
  EXPECT_THAT(parse_error("garbage"), HasSubstr("'garbage'"));
  EXPECT_THAT(parse_error("10.0.0.0/33"), HasSubstr("'10.0.0.0/33'"));
}

TEST(PrefixParse, RejectsLengthsOutOfRange) {
  EXPECT_THAT(parse_error("10.0.0.0/33"), HasSubstr("from 0 to 32"));
  EXPECT_THAT(parse_error("2001:db8::/129"), HasSubstr("from 0 to 128"));
  EXPECT_THROW(Prefix::parse("10.0.0.0/256"), Error);  // would wrap in a uint8_t
  EXPECT_THROW(Prefix::parse("::/99999999999999999999"), Error);
}

TEST(PrefixParse, RejectsMalformedLengths) {
  for (const char* text :
       {"1.2.3.4/", "10.0.0.0/-1", "10.0.0.0/-8", "::/-1", "10.0.0.0/+8", "1.2.3.4/8x",
        "10.0.0.0/8/8", "10.0.0.0/ 8", "10.0.0.0/8 ", "::/", "2001:db8::/3 2"}) {
    SCOPED_TRACE(text);
    EXPECT_THROW(Prefix::parse(text), Error);
  }
}

// std::from_chars reads "-0" as zero, which then passes the range check.
// Disabled until loader/prefix.cpp rejects a sign (reported, not fixed here).
TEST(PrefixParse, RejectsNegativeZeroLength) {
  EXPECT_THROW(Prefix::parse("0.0.0.0/-0"), Error);
  EXPECT_THROW(Prefix::parse("::/-0"), Error);
}

TEST(PrefixParse, RejectsIpv4HostBitsAndSuggestsTheNetwork) {
  std::string message = parse_error("10.1.2.3/8");
  EXPECT_THAT(message, HasSubstr("host bits"));
  EXPECT_THAT(message, HasSubstr("10.0.0.0/8"));
  EXPECT_THAT(parse_error("192.0.2.1/24"), HasSubstr("192.0.2.0/24"));
  EXPECT_THAT(parse_error("192.168.1.0/15"), HasSubstr("192.168.0.0/15"));
  EXPECT_THAT(parse_error("1.2.3.4/0"), HasSubstr("0.0.0.0/0"));
}

TEST(PrefixParse, RejectsIpv6HostBitsAndSuggestsTheNetwork) {
  std::string message = parse_error("2001:db8::1/32");
  EXPECT_THAT(message, HasSubstr("host bits"));
  EXPECT_THAT(message, HasSubstr("2001:db8::/32"));
  EXPECT_THAT(parse_error("fe80::1:1/120"), HasSubstr("did you mean fe80::1:0/120?"));
  EXPECT_THAT(parse_error("2001:db8::4000/113"), HasSubstr("2001:db8::/113"));
}

TEST(PrefixToString, Ipv6UsesTheCompressedForm) {
  EXPECT_EQ(Prefix::parse("2001:0db8:0000:0000:0000:0000:0000:0000/32").to_string(),
            "2001:db8::/32");
  EXPECT_EQ(Prefix::parse("FE80::/10").to_string(), "fe80::/10");
  EXPECT_EQ(Prefix::parse("0:0:0:0:0:0:0:1").to_string(), "::1/128");
  EXPECT_EQ(Prefix::parse("2001:db8:0:0:1:0:0:1").to_string(), "2001:db8::1:0:0:1/128");
  EXPECT_EQ(Prefix::parse("::ffff:0:0/96").to_string(), "::ffff:0.0.0.0/96");
}

TEST(PrefixToString, RoundTrips) {
  for (const char* text :
       {"0.0.0.0/0", "10.0.0.0/8", "100.64.0.0/10", "192.0.0.9/32", "255.255.255.255/32", "::/0",
        "::1/128", "2001:db8::/32", "fe80::/10", "ff00::/8", "2001:4:112::/48", "64:ff9b:1::/48"}) {
    SCOPED_TRACE(text);
    Prefix p = Prefix::parse(text);
    EXPECT_EQ(p.to_string(), text);
    EXPECT_EQ(Prefix::parse(p.to_string()), p);
  }
}

TEST(PrefixEquality, ComparesFamilyAddressAndLength) {
  EXPECT_EQ(Prefix::parse("10.0.0.0/8"), Prefix::parse("10.0.0.0/8"));
  EXPECT_NE(Prefix::parse("10.0.0.0/8"), Prefix::parse("10.0.0.0/16"));
  EXPECT_NE(Prefix::parse("10.0.0.0/8"), Prefix::parse("11.0.0.0/8"));
  // Same bytes, other family.
  EXPECT_NE(Prefix::parse("0.0.0.0/0"), Prefix::parse("::/0"));
}

TEST(PrefixContains, Ipv4) {
  Prefix ten = Prefix::parse("10.0.0.0/8");
  EXPECT_TRUE(ten.contains(Prefix::parse("10.0.0.0/8")));
  EXPECT_TRUE(ten.contains(Prefix::parse("10.255.255.255")));
  EXPECT_TRUE(ten.contains(Prefix::parse("10.1.0.0/16")));
  EXPECT_FALSE(ten.contains(Prefix::parse("11.0.0.0/8")));
  EXPECT_FALSE(ten.contains(Prefix::parse("9.255.255.255")));
  EXPECT_FALSE(ten.contains(Prefix::parse("0.0.0.0/0")));  // wider than ten
  EXPECT_FALSE(Prefix::parse("10.1.0.0/16").contains(ten));
}

TEST(PrefixContains, NonByteAlignedLength) {
  Prefix shared = Prefix::parse("100.64.0.0/10");
  EXPECT_TRUE(shared.contains(Prefix::parse("100.64.0.1")));
  EXPECT_TRUE(shared.contains(Prefix::parse("100.127.255.255")));
  EXPECT_FALSE(shared.contains(Prefix::parse("100.128.0.0")));
  EXPECT_FALSE(shared.contains(Prefix::parse("100.63.255.255")));
}

TEST(PrefixContains, Ipv6) {
  Prefix ula = Prefix::parse("fc00::/7");
  EXPECT_TRUE(ula.contains(Prefix::parse("fd12:3456::1")));
  EXPECT_TRUE(ula.contains(Prefix::parse("fc00::/8")));
  EXPECT_FALSE(ula.contains(Prefix::parse("fe00::1")));
  EXPECT_TRUE(Prefix::parse("::/0").contains(Prefix::parse("2001:db8::1")));
}

TEST(PrefixContains, NeverAcrossFamilies) {
  EXPECT_FALSE(Prefix::parse("0.0.0.0/0").contains(Prefix::parse("::1")));
  EXPECT_FALSE(Prefix::parse("::/0").contains(Prefix::parse("10.0.0.1")));
}

}  // namespace
}  // namespace ew
