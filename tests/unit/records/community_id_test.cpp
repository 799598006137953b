#include "records/community_id.h"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <sys/socket.h>

#include <array>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

// The expected IDs are the Community ID spec's own baseline
// (github.com/corelight/community-id-spec, baseline/): the tables of its
// README ("table") and baseline_deflt.json / baseline_seed1.json ("pcap"),
// which pycommunityid produced from pcaps/combined.pcap.gz. The JSON files
// give ICMP messages as their port equivalents; the types and codes below
// were read from the packets of that capture.

namespace ew {
namespace {

using Address = std::array<uint8_t, 16>;

// An address as an ew_record holds it: IPv4 in the first four bytes.
Address address(const char* text) {
  Address out{};
  if (inet_pton(AF_INET, text, out.data()) == 1) return out;
  EXPECT_EQ(inet_pton(AF_INET6, text, out.data()), 1) << text;
  return out;
}

uint8_t family_of(const char* text) {
  std::array<uint8_t, 4> v4;
  return inet_pton(AF_INET, text, v4.data()) == 1 ? 4 : 6;
}

struct PortCase {
  const char* what;
  uint8_t protocol;
  const char* src;
  const char* dst;
  uint16_t sport;
  uint16_t dport;
  const char* id_seed0;
  const char* id_seed1;
};

// TCP, UDP, SCTP, and RSVP (a protocol without ports: its "ports" are
// not hashed, so any value gives the same ID).
const std::vector<PortCase> kPortCases = {
    {"table TCP out", 6, "1.2.3.4", "5.6.7.8", 1122, 3344,
     "1:wCb3OG7yAFWelaUydu0D+125CLM=", "1:HhA1B+6CoLbiKPEs5nhNYN4XWfk="},
    {"table TCP back", 6, "5.6.7.8", "1.2.3.4", 3344, 1122,
     "1:wCb3OG7yAFWelaUydu0D+125CLM=", "1:HhA1B+6CoLbiKPEs5nhNYN4XWfk="},
    {"table UDP out", 17, "1.2.3.4", "5.6.7.8", 1122, 3344,
     "1:0Mu9InQx6z4ZiCZM/7HXi2WMhOg=", "1:OShq+iKDAMVouh/4bMxB9Sz4amw="},
    {"table UDP back", 17, "5.6.7.8", "1.2.3.4", 3344, 1122,
     "1:0Mu9InQx6z4ZiCZM/7HXi2WMhOg=", "1:OShq+iKDAMVouh/4bMxB9Sz4amw="},
    {"table SCTP out", 132, "1.2.3.4", "5.6.7.8", 1122, 3344,
     "1:EKt4MsxuyaE6mL+hmrEkQ9csDD8=", "1:uitchpn5MMGAQKBJh7bIr/bAr7s="},
    {"table SCTP back", 132, "5.6.7.8", "1.2.3.4", 3344, 1122,
     "1:EKt4MsxuyaE6mL+hmrEkQ9csDD8=", "1:uitchpn5MMGAQKBJh7bIr/bAr7s="},
    {"table RSVP out", 46, "1.2.3.4", "5.6.7.8", 0, 0,
     "1:ikv3kmf89luf73WPz1jOs49S768=", "1:/buhqeOmaRCopOZFy9HnoJd5XW8="},
    {"table RSVP back", 46, "5.6.7.8", "1.2.3.4", 0, 0,
     "1:ikv3kmf89luf73WPz1jOs49S768=", "1:/buhqeOmaRCopOZFy9HnoJd5XW8="},
    {"table RSVP over IPv6 out", 46, "fe80:0001:0203:0405:0607:0809:0A0B:0C0D",
     "fe80:1011:1213:1415:1617:1819:1A1B:1C1D", 0, 0,
     "1:wQ/2mwrnXP4lmJcHdGL5ePjR+e0=", "1:j6EyyfBzL4vWKHFXgUqb5Az3OxM="},
    {"table RSVP over IPv6 back", 46, "fe80:1011:1213:1415:1617:1819:1A1B:1C1D",
     "fe80:0001:0203:0405:0607:0809:0A0B:0C0D", 0, 0,
     "1:wQ/2mwrnXP4lmJcHdGL5ePjR+e0=", "1:j6EyyfBzL4vWKHFXgUqb5Az3OxM="},
    {"pcap TCP over IPv6 out", 6, "2001:470:e5bf:dead:4957:2174:e82c:4887",
     "2607:f8b0:400c:c03::1a", 63943, 25,
     "1:/qFaeAR+gFe1KYjMzVDsMv+wgU4=", "1:eJYTW6AOzFLlSUoESovMjnu7rMw="},
    {"pcap TCP over IPv6 back", 6, "2607:f8b0:400c:c03::1a",
     "2001:470:e5bf:dead:4957:2174:e82c:4887", 25, 63943,
     "1:/qFaeAR+gFe1KYjMzVDsMv+wgU4=", "1:eJYTW6AOzFLlSUoESovMjnu7rMw="},
    {"pcap SCTP equal ports out", 132, "192.168.170.8", "192.168.170.56", 7, 7,
     "1:MP2EtRCAUIZvTw6MxJHLV7N7JDs=", "1:5w3ZRjeKBzqT3zsaEECDGjUbYeg="},
    {"pcap SCTP equal ports back", 132, "192.168.170.56", "192.168.170.8", 7, 7,
     "1:MP2EtRCAUIZvTw6MxJHLV7N7JDs=", "1:5w3ZRjeKBzqT3zsaEECDGjUbYeg="},
    {"pcap TCP out", 6, "128.232.110.120", "66.35.250.204", 34855, 80,
     "1:LQU9qZlK+B5F3KDmev6m5PMibrg=", "1:3V71V58M3Ksw/yuFALMcW0LAHvc="},
    {"pcap TCP back", 6, "66.35.250.204", "128.232.110.120", 80, 34855,
     "1:LQU9qZlK+B5F3KDmev6m5PMibrg=", "1:3V71V58M3Ksw/yuFALMcW0LAHvc="},
    {"pcap UDP DNS query", 17, "192.168.1.52", "8.8.8.8", 54585, 53,
     "1:d/FP5EW3wiY1vCndhwleRRKHowQ=", "1:Q9We8WO3piVF8yEQBNJF4uiSVrI="},
    {"pcap UDP DNS answer", 17, "8.8.8.8", "192.168.1.52", 53, 54585,
     "1:d/FP5EW3wiY1vCndhwleRRKHowQ=", "1:Q9We8WO3piVF8yEQBNJF4uiSVrI="},
    {"pcap RSVP out", 46, "10.1.12.1", "10.1.12.2", 0, 0,
     "1:KHlLkgoJW7ifUTyTSgyVfkFHzKw=", "1:rYir8gphR31noO9iDRQmF/BteEI="},
    {"pcap RSVP back", 46, "10.1.12.2", "10.1.12.1", 0, 0,
     "1:KHlLkgoJW7ifUTyTSgyVfkFHzKw=", "1:rYir8gphR31noO9iDRQmF/BteEI="},
};

struct IcmpCase {
  const char* what;
  const char* src;
  const char* dst;
  uint8_t type;
  uint8_t code;
  const char* id_seed0;
  const char* id_seed1;
};

const std::vector<IcmpCase> kIcmpCases = {
    {"table echo request", "1.2.3.4", "5.6.7.8", 8, 0,
     "1:crodRHL2FEsHjbv3UkRrfbs4bZ0=", "1:9pr4ZGTICiuZoIh90RRYE2RyXpU="},
    {"table echo reply", "5.6.7.8", "1.2.3.4", 0, 0,
     "1:crodRHL2FEsHjbv3UkRrfbs4bZ0=", "1:9pr4ZGTICiuZoIh90RRYE2RyXpU="},
    {"table time exceeded (one-way)", "1.2.3.4", "5.6.7.8", 11, 0,
     "1:f/YiSyWqczrTgfUCZlBUnvHRcPk=", "1:1DD7cWGC/Yg91YGsQeni8du3pIA="},
    {"table ICMPv6 echo request", "fe80:0001:0203:0405:0607:0809:0A0B:0C0D",
     "fe80:1011:1213:1415:1617:1819:1A1B:1C1D", 128, 0,
     "1:0bf7hyMJUwt3fMED7z8LIfRpBeo=", "1:IO27GQzPuCtNnwFvjWALMHu5tJE="},
    {"table ICMPv6 echo reply", "fe80:1011:1213:1415:1617:1819:1A1B:1C1D",
     "fe80:0001:0203:0405:0607:0809:0A0B:0C0D", 129, 0,
     "1:0bf7hyMJUwt3fMED7z8LIfRpBeo=", "1:IO27GQzPuCtNnwFvjWALMHu5tJE="},
    {"table ICMPv6 type 146 (one-way)", "fe80:0001:0203:0405:0607:0809:0A0B:0C0D",
     "fe80:1011:1213:1415:1617:1819:1A1B:1C1D", 146, 0,
     "1:fYC8+pz24E+EhANP1EZhpX0Dw10=", "1:Cv4IKJe56BNkF0MBW2YxQ3Nwc3s="},
    // A neighbour solicitation and its advertisement are one flow; the same
    // pair started from the other host is another.
    {"pcap neighbour solicitation", "fe80::200:86ff:fe05:80da", "fe80::260:97ff:fe07:69ea", 135, 0,
     "1:dGHyGvjMfljg6Bppwm3bg0LO8TY=", "1:kHa1FhMYIT6Ym2Vm2AOtoOARDzY="},
    {"pcap neighbour advertisement", "fe80::260:97ff:fe07:69ea", "fe80::200:86ff:fe05:80da", 136, 0,
     "1:dGHyGvjMfljg6Bppwm3bg0LO8TY=", "1:kHa1FhMYIT6Ym2Vm2AOtoOARDzY="},
    {"pcap neighbour solicitation, other host", "fe80::260:97ff:fe07:69ea",
     "fe80::200:86ff:fe05:80da", 135, 0,
     "1:zavyT/cezQr1fmImYCwYnMXbgck=", "1:2hSqmsDZ2kdcY9kbiUzOEBic0iM="},
    {"pcap neighbour advertisement, other host", "fe80::200:86ff:fe05:80da",
     "fe80::260:97ff:fe07:69ea", 136, 0,
     "1:zavyT/cezQr1fmImYCwYnMXbgck=", "1:2hSqmsDZ2kdcY9kbiUzOEBic0iM="},
    {"pcap ICMPv6 time exceeded (one-way)", "3ffe:501:1800:2345::2",
     "3ffe:507:0:1:200:86ff:fe05:80da", 3, 0,
     "1:2ObVBgIn28oZvibYZhZMBgh7WdQ=", "1:lVEtCZpYu84Xqaa++3lXFyuu2n4="},
    {"pcap ICMPv6 port unreachable (one-way, code 4)", "3ffe:501:410:0:2c0:dfff:fe47:33e",
     "3ffe:507:0:1:200:86ff:fe05:80da", 1, 4,
     "1:hLZd0XGWojozrvxqE0dWB1iM6R0=", "1:W8MHwXpWzpoSTD+cGcaJr4u0ys8="},
    {"pcap ICMPv6 echo request", "3ffe:507:0:1:200:86ff:fe05:80da", "3ffe:501:0:1001::2", 128, 0,
     "1:+TW+HtLHvV1xnGhV1lv7XoJrqQg=", "1:GfZxjAkDk2MkegpBYHV6tadtFXQ="},
    {"pcap ICMPv6 echo reply", "3ffe:501:0:1001::2", "3ffe:507:0:1:200:86ff:fe05:80da", 129, 0,
     "1:+TW+HtLHvV1xnGhV1lv7XoJrqQg=", "1:GfZxjAkDk2MkegpBYHV6tadtFXQ="},
    {"pcap router solicitation", "fe80::200:86ff:fe05:80da", "ff02::2", 133, 0,
     "1:hO+sN4H+MG5MY/8hIrXPqc4ZQz0=", "1:L7Ka0ZMYu+J3bL4ulW2PrqyXNo8="},
    {"pcap router advertisement", "fe80::260:97ff:fe07:69ea", "ff02::1", 134, 0,
     "1:pkvHqCL88/tg1k4cPigmZXUtL00=", "1:K/ee5UCqAMAQXDorP5nSa2CGLjc="},
    {"pcap echo request", "192.168.0.89", "192.168.0.1", 8, 0,
     "1:X0snYXpgwiv9TZtqg64sgzUn6Dk=", "1:03g6IloqVBdcZlPyX8r0hgoE7kA="},
    {"pcap echo reply", "192.168.0.1", "192.168.0.89", 0, 0,
     "1:X0snYXpgwiv9TZtqg64sgzUn6Dk=", "1:03g6IloqVBdcZlPyX8r0hgoE7kA="},
    {"pcap time exceeded (one-way)", "10.0.0.1", "10.0.0.2", 11, 0,
     "1:YHxtAirCG//0OzkcVAukqKQN9xM=", "1:XjUibYHaafLQ3pxQeiMI8g25q20="},
};

CommunityId id_of(const PortCase& c, uint16_t seed) {
  Address src = address(c.src);
  Address dst = address(c.dst);
  return community_id(family_of(c.src), c.protocol, src, c.sport, dst, c.dport, seed);
}

CommunityId id_of(const IcmpCase& c, uint16_t seed) {
  Address src = address(c.src);
  Address dst = address(c.dst);
  return community_id_icmp(family_of(c.src), src, dst, c.type, c.code, seed);
}

TEST(CommunityId, SpecBaselineWithTheDefaultSeed) {
  for (const PortCase& c : kPortCases)
    EXPECT_EQ(id_of(c, 0), c.id_seed0) << c.what;
  for (const IcmpCase& c : kIcmpCases)
    EXPECT_EQ(id_of(c, 0), c.id_seed0) << c.what;
}

TEST(CommunityId, SpecBaselineWithSeedOne) {
  for (const PortCase& c : kPortCases)
    EXPECT_EQ(id_of(c, 1), c.id_seed1) << c.what;
  for (const IcmpCase& c : kIcmpCases)
    EXPECT_EQ(id_of(c, 1), c.id_seed1) << c.what;
}

TEST(CommunityId, TheSeedIsTheDefaultArgument) {
  const PortCase& c = kPortCases.front();
  Address src = address(c.src);
  Address dst = address(c.dst);
  EXPECT_EQ(community_id(4, c.protocol, src, c.sport, dst, c.dport), c.id_seed0);
  EXPECT_EQ(community_id_icmp(4, src, dst, 8, 0), "1:crodRHL2FEsHjbv3UkRrfbs4bZ0=");
}

TEST(CommunityId, BothDirectionsOfAFlowShareTheId) {
  for (const PortCase& c : kPortCases) {
    PortCase back{c.what, c.protocol, c.dst, c.src, c.dport, c.sport, nullptr, nullptr};
    EXPECT_EQ(id_of(back, 0), c.id_seed0) << c.what;
    EXPECT_EQ(id_of(back, 1), c.id_seed1) << c.what;
  }
}

TEST(CommunityId, EqualAddressesAreOrderedByPort) {
  Address host = address("192.0.2.1");
  EXPECT_EQ(community_id(4, 6, host, 40000, host, 443), community_id(4, 6, host, 443, host, 40000));
  EXPECT_NE(community_id(4, 6, host, 40000, host, 443), community_id(4, 6, host, 40000, host, 444));
}

TEST(CommunityId, PortsAreHashedOnlyForTcpUdpAndSctp) {
  Address a = address("10.1.12.1");
  Address b = address("10.1.12.2");
  // RSVP from the baseline, with ports that must not matter.
  EXPECT_EQ(community_id(4, 46, a, 1234, b, 80), "1:KHlLkgoJW7ifUTyTSgyVfkFHzKw=");
  // GRE: other protocols get no ports either.
  EXPECT_EQ(community_id(4, 47, a, 1, b, 2), community_id(4, 47, a, 0, b, 0));
  for (uint8_t protocol : std::initializer_list<uint8_t>{6, 17, 132}) {
    EXPECT_NE(community_id(4, protocol, a, 1, b, 2), community_id(4, protocol, a, 0, b, 0))
        << int{protocol};
  }
}

TEST(CommunityId, IcmpThroughTheGeneralFunctionTakesTypeAndCodeAsPorts) {
  for (const IcmpCase& c : kIcmpCases) {
    Address src = address(c.src);
    Address dst = address(c.dst);
    uint8_t family = family_of(c.src);
    uint8_t protocol = family == 4 ? 1 : 58;
    EXPECT_EQ(community_id(family, protocol, src, c.type, dst, c.code, 1), c.id_seed1) << c.what;
  }
}

TEST(CommunityId, OneWayIcmpKeepsItsDirection) {
  // Not in the baseline (its one-way messages all come from the smaller
  // address): computed with Python's hashlib over the spec's byte layout.
  Address small = address("1.2.3.4");
  Address large = address("5.6.7.8");
  EXPECT_EQ(community_id_icmp(4, large, small, 11, 0), "1:1Vae9INpTJ+fZaSmjhtK/hyOPac=");
  EXPECT_NE(community_id_icmp(4, large, small, 11, 0), community_id_icmp(4, small, large, 11, 0));
  Address v6_small = address("3ffe:501:410:0:2c0:dfff:fe47:33e");
  Address v6_large = address("3ffe:507:0:1:200:86ff:fe05:80da");
  EXPECT_EQ(community_id_icmp(6, v6_large, v6_small, 1, 4), "1:YCMzqVMD1PTSPL+Pvmidiv2VXuA=");
}

TEST(CommunityId, TwoWayIcmpIgnoresTheCode) {
  Address a = address("192.0.2.1");
  Address b = address("198.51.100.7");
  EXPECT_EQ(community_id_icmp(4, a, b, 8, 0), community_id_icmp(4, a, b, 8, 3));
  EXPECT_NE(community_id_icmp(4, a, b, 3, 0), community_id_icmp(4, a, b, 3, 1));
}

TEST(CommunityId, IcmpPairsOfTheSpecMapping) {
  // Each request/reply pair gives one ID for the request one way and the
  // reply back; the families' tables differ (type 128 is only ICMPv6's).
  Address a4 = address("192.0.2.1");
  Address b4 = address("198.51.100.7");
  using Pair = std::pair<uint8_t, uint8_t>;
  for (auto [request, reply] : {Pair{8, 0}, {13, 14}, {15, 16}, {10, 9}, {17, 18}}) {
    EXPECT_EQ(community_id_icmp(4, a4, b4, request, 0), community_id_icmp(4, b4, a4, reply, 0))
        << int{request};
  }
  Address a6 = address("2001:db8::1");
  Address b6 = address("2001:db8::2");
  for (auto [request, reply] :
       {Pair{128, 129}, {133, 134}, {135, 136}, {130, 131}, {139, 140}, {144, 145}}) {
    EXPECT_EQ(community_id_icmp(6, a6, b6, request, 0), community_id_icmp(6, b6, a6, reply, 0))
        << int{request};
  }
  EXPECT_NE(community_id_icmp(4, a4, b4, 128, 0), community_id_icmp(4, b4, a4, 129, 0));
  EXPECT_NE(community_id_icmp(6, a6, b6, 8, 0), community_id_icmp(6, b6, a6, 0, 0));
}

TEST(CommunityId, IPv4ReadsOnlyTheFirstFourBytes) {
  Address a = address("1.2.3.4");
  Address b = address("5.6.7.8");
  a[4] = 0xaa;  // what an ew_record leaves after an IPv4 address must not matter
  b[15] = 0x55;
  EXPECT_EQ(community_id(4, 6, a, 1122, b, 3344), "1:wCb3OG7yAFWelaUydu0D+125CLM=");
  std::array<uint8_t, 4> a4{1, 2, 3, 4};
  std::array<uint8_t, 4> b4{5, 6, 7, 8};
  EXPECT_EQ(community_id(4, 6, a4, 1122, b4, 3344), "1:wCb3OG7yAFWelaUydu0D+125CLM=");
}

TEST(CommunityId, WhatItCannotNameGivesAnEmptyString) {
  Address a = address("2001:db8::1");
  std::array<uint8_t, 4> short_address{192, 0, 2, 1};
  EXPECT_EQ(community_id(0, 6, a, 1, a, 2), "");
  EXPECT_EQ(community_id(5, 6, a, 1, a, 2), "");
  EXPECT_EQ(community_id_icmp(10, a, a, 8, 0), "");
  EXPECT_EQ(community_id(6, 6, short_address, 1, a, 2), "");
  EXPECT_EQ(community_id(6, 6, a, 1, short_address, 2), "");
  EXPECT_EQ(community_id_icmp(6, short_address, a, 128, 0), "");
  EXPECT_EQ(community_id(4, 1, short_address, 256, short_address, 0), "");
  EXPECT_EQ(community_id(6, 58, a, 128, a, 300), "");
}

TEST(CommunityId, EveryIdHasTheSameLength) {
  for (const PortCase& c : kPortCases)
    EXPECT_EQ(id_of(c, 7).view().size(), kCommunityIdLength);
  for (const IcmpCase& c : kIcmpCases)
    EXPECT_EQ(id_of(c, 65535).view().size(), kCommunityIdLength);
}

}  // namespace
}  // namespace ew
