// The certificate parser on malformed input, and the text forms: PEM,
// base64, hex thumbprints, algorithm names.
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "engine/internal/openssl_util.h"
#include "engine/x509/certificate.h"
#include "engine/x509/certificate_test_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace chaintrust {
namespace {

using internal::EvpPkeyPtr;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

using x509_test::CertSpec;
using x509_test::Der;
using x509_test::I2d;
using x509_test::KeyKind;
using x509_test::MakeCert;
using x509_test::MakePair;
using x509_test::MustParse;
using x509_test::Pair;
using x509_test::Pem;
using x509_test::TestKey;
using x509_test::X509Ptr;

// --- Malformed input ------------------------------------------------------

// DER length octets for `size`, minimal unless `extra` zero octets pad it.
std::string Length(size_t size, int extra = 0) {
  std::string bytes;
  for (size_t s = size; s > 0; s >>= 8) {
    bytes.insert(bytes.begin(), static_cast<char>(s & 0xff));
  }
  if (size < 0x80 && extra == 0) return std::string(1, static_cast<char>(size));
  bytes.insert(0, std::string(extra, '\0'));
  return absl::StrCat(std::string(1, static_cast<char>(0x80 | bytes.size())),
                      bytes);
}

std::string Tlv(uint8_t tag, absl::string_view contents, int extra = 0) {
  return absl::StrCat(std::string(1, static_cast<char>(tag)),
                      Length(contents.size(), extra), contents);
}

// The three parts of a certificate, to reassemble with defects.
struct Parts {
  std::string tbs;        // TLV
  std::string algorithm;  // TLV
  std::string signature;  // TLV
};

Parts Split(const Certificate& cert) {
  Parts parts;
  parts.tbs = std::string(cert.tbs_der());
  absl::string_view rest = cert.der();
  rest.remove_prefix(rest.find(cert.tbs_der()) + cert.tbs_der().size());
  // The signature BIT STRING is the last element: tag, length, 0x00, bytes.
  const size_t signature_size = cert.signature().size() + 1;
  const size_t header =
      signature_size < 0x80 ? 2 : (signature_size < 0x100 ? 3 : 4);
  parts.signature =
      std::string(rest.substr(rest.size() - signature_size - header));
  parts.algorithm =
      std::string(rest.substr(0, rest.size() - parts.signature.size()));
  return parts;
}

std::string Join(const Parts& parts) {
  return Tlv(0x30, absl::StrCat(parts.tbs, parts.algorithm, parts.signature));
}

TEST(CertificateMalformedTest, ReassemblyIsFaithful) {
  Pair pair = MakePair(KeyKind::kRsa2048);
  CertificatePtr cert = MustParse(pair.leaf_der);
  ASSERT_NE(cert, nullptr);
  EXPECT_EQ(Join(Split(*cert)), pair.leaf_der);
}

TEST(CertificateMalformedTest, EveryTruncationIsAnError) {
  for (KeyKind kind : {KeyKind::kEcP256, KeyKind::kRsa2048}) {
    const std::string der = MakePair(kind).leaf_der;
    for (size_t size = 0; size < der.size(); ++size) {
      EXPECT_FALSE(Certificate::Create(der.substr(0, size)).ok()) << size;
    }
  }
}

TEST(CertificateMalformedTest, EverySingleByteChangeIsHandled) {
  // Must never crash; most changes are errors, some still parse.
  const std::string der = MakePair().leaf_der;
  for (size_t i = 0; i < der.size(); ++i) {
    for (uint8_t mask : {0x01, 0x80, 0xff}) {
      std::string changed = der;
      changed[i] ^= mask;
      absl::StatusOr<CertificatePtr> cert = Certificate::Create(changed);
      if (cert.ok()) EXPECT_EQ((*cert)->der(), changed);
    }
  }
}

struct MalformedCase {
  std::string name;
  std::function<std::string(const Parts&)> make;
  std::string message;  // expected substring of the error
};

class CertificateMalformedCaseTest
    : public ::testing::TestWithParam<MalformedCase> {};

TEST_P(CertificateMalformedCaseTest, IsAnError) {
  // The CA: it has a version, a long serial, critical extensions.
  const Pair pair = MakePair();
  CertificatePtr cert = MustParse(pair.ca_der);
  ASSERT_NE(cert, nullptr);
  const std::string der = GetParam().make(Split(*cert));
  absl::StatusOr<CertificatePtr> parsed = Certificate::Create(der);
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(parsed.status().message(), HasSubstr(GetParam().message));
}

// Replaces the first occurrence of `from` in `s` (which must be there).
std::string Replace(std::string s, absl::string_view from,
                    absl::string_view to) {
  const size_t at = s.find(std::string(from));
  if (at == std::string::npos) return "not found";
  return s.replace(at, from.size(), std::string(to));
}

// Rewraps the TBS after changing its contents.
std::string WithTbsContents(const Parts& parts,
                            const std::function<std::string(std::string)>& f) {
  Parts copy = parts;
  // The TBS header is 30 81 xx or 30 82 xx xx for these certificates.
  const size_t header = static_cast<uint8_t>(parts.tbs[1]) == 0x81 ? 3 : 4;
  copy.tbs = Tlv(0x30, f(parts.tbs.substr(header)));
  return Join(copy);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, CertificateMalformedCaseTest,
    ::testing::Values(
        MalformedCase{"Empty", [](const Parts&) { return std::string(); },
                      "truncated"},
        MalformedCase{
            "TrailingGarbage",
            [](const Parts& p) { return Join(p) + std::string(1, '\0'); },
            "trailing data"},
        MalformedCase{"TrailingElementInside",
                      [](const Parts& p) {
                        return Tlv(0x30,
                                   absl::StrCat(p.tbs, p.algorithm, p.signature,
                                                std::string("\x05\x00", 2)));
                      },
                      "trailing data"},
        MalformedCase{"IndefiniteLength",
                      [](const Parts& p) {
                        return absl::StrCat("\x30\x80", p.tbs, p.algorithm,
                                            p.signature,
                                            std::string("\x00\x00", 2));
                      },
                      "indefinite length"},
        MalformedCase{"NonMinimalOuterLength",
                      [](const Parts& p) {
                        return Tlv(
                            0x30, absl::StrCat(p.tbs, p.algorithm, p.signature),
                            /*extra=*/1);
                      },
                      "non-minimal length"},
        MalformedCase{"NonMinimalShortLength",
                      [](const Parts& p) {
                        Parts copy = p;
                        // 30 0a ... -> 30 81 0a ...
                        copy.algorithm =
                            absl::StrCat("\x30\x81", p.algorithm.substr(1));
                        return Join(copy);
                      },
                      "non-minimal length"},
        MalformedCase{"Oversized",
                      [](const Parts& p) {
                        return Tlv(0x30, std::string(70000, '\x05'));
                      },
                      "larger than 64 KiB"},
        MalformedCase{"LengthBeyondInput",
                      [](const Parts& p) {
                        std::string der = Join(p);
                        der[2] = static_cast<char>(0xff);
                        return der;
                      },
                      "truncated"},
        MalformedCase{"OuterSet",
                      [](const Parts& p) {
                        std::string der = Join(p);
                        der[0] = 0x31;
                        return der;
                      },
                      "not a SEQUENCE"},
        MalformedCase{"HighTagNumber",
                      [](const Parts& p) {
                        std::string der = Join(p);
                        der[0] = 0x3f;
                        return der;
                      },
                      "high tag"},
        MalformedCase{"SignatureAsOctetString",
                      [](const Parts& p) {
                        Parts copy = p;
                        copy.signature[0] = 0x04;
                        return Join(copy);
                      },
                      "signatureValue"},
        MalformedCase{"SignatureUnusedBits",
                      [](const Parts& p) {
                        Parts copy = p;
                        const size_t at =
                            copy.signature.find(std::string("\x00\x30", 2));
                        copy.signature[at] = 0x01;
                        return Join(copy);
                      },
                      "signatureValue"},
        MalformedCase{"AlgorithmMismatch",
                      [](const Parts& p) {
                        Parts copy = p;
                        copy.algorithm =
                            Tlv(0x30,
                                Tlv(0x06, "\x2a\x86\x48\xce\x3d\x04\x03\x03"));
                        return Join(copy);
                      },
                      "differs from tbsCertificate.signature"},
        MalformedCase{"EcdsaWithParameters",
                      [](const Parts& p) {
                        const std::string with_null = Tlv(
                            0x30,
                            absl::StrCat(
                                Tlv(0x06, "\x2a\x86\x48\xce\x3d\x04\x03\x02"),
                                std::string("\x05\x00", 2)));
                        Parts copy = p;
                        copy.algorithm = with_null;
                        return WithTbsContents(copy, [&](std::string tbs) {
                          return Replace(tbs, p.algorithm, with_null);
                        });
                      },
                      "unexpected parameters"},
        MalformedCase{"ExplicitVersion1",
                      [](const Parts& p) {
                        return WithTbsContents(p, [](std::string tbs) {
                          return Replace(
                              tbs, "\xa0\x03\x02\x01\x02",
                              absl::string_view("\xa0\x03\x02\x01\x00", 5));
                        });
                      },
                      "explicit v1"},
        MalformedCase{"Version4",
                      [](const Parts& p) {
                        return WithTbsContents(p, [](std::string tbs) {
                          return Replace(tbs, "\xa0\x03\x02\x01\x02",
                                         "\xa0\x03\x02\x01\x03");
                        });
                      },
                      "version"},
        MalformedCase{"NonMinimalSerial",
                      [](const Parts& p) {
                        return WithTbsContents(p, [](std::string tbs) {
                          return Replace(
                              tbs, absl::string_view("\x02\x05\x00\x81", 4),
                              absl::string_view("\x02\x06\x00\x00\x81", 5));
                        });
                      },
                      "non-minimal INTEGER"},
        MalformedCase{"BadTime",
                      [](const Parts& p) {
                        return WithTbsContents(p, [](std::string tbs) {
                          return Replace(tbs, "200101000000Z", "200230000000Z");
                        });
                      },
                      "validity.notBefore"},
        MalformedCase{"LocalTime",
                      [](const Parts& p) {
                        return WithTbsContents(p, [](std::string tbs) {
                          return Replace(tbs, "200101000000Z", "2001010000000");
                        });
                      },
                      "UTC"},
        MalformedCase{"TrailingDataInTbs",
                      [](const Parts& p) {
                        return WithTbsContents(p, [](std::string tbs) {
                          return tbs + std::string("\x05\x00", 2);
                        });
                      },
                      "tbsCertificate"},
        MalformedCase{"CriticalNotDer",
                      [](const Parts& p) {
                        return WithTbsContents(p, [](std::string tbs) {
                          // basicConstraints critical TRUE as 0x01.
                          return Replace(tbs, "\x55\x1d\x13\x01\x01\xff",
                                         "\x55\x1d\x13\x01\x01\x01");
                        });
                      },
                      "BOOLEAN"}),
    [](const ::testing::TestParamInfo<MalformedCase>& info) {
      return info.param.name;
    });

TEST(CertificateMalformedTest, DeepNestingIsBounded) {
  std::string der = std::string("\x05\x00", 2);
  for (int i = 0; i < 100; ++i) der = Tlv(0x30, der);
  EXPECT_FALSE(Certificate::Create(der).ok());
}

// --- Text forms -------------------------------------------------------------

TEST(PemTest, SplitsCertificatesAndSkipsOtherBlocks) {
  Pair pair = MakePair();
  const std::string text = absl::StrCat(
      "leading text\n", Pem(pair.leaf.get()),
      "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\r\n",
      Pem(pair.ca.get()));
  absl::StatusOr<std::vector<std::string>> ders = PemToDer(text);
  ASSERT_TRUE(ders.ok()) << ders.status();
  EXPECT_THAT(*ders, ElementsAreArray({pair.leaf_der, pair.ca_der}));
}

TEST(PemTest, Errors) {
  EXPECT_THAT(PemToDer("").status().message(), HasSubstr("no CERTIFICATE"));
  EXPECT_THAT(
      PemToDer("-----BEGIN CERTIFICATE-----\nAAAA\n").status().message(),
      HasSubstr("PEM block 1 (CERTIFICATE): no END line"));
  Pair pair = MakePair();
  EXPECT_THAT(PemToDer(absl::StrCat(Pem(pair.leaf.get()),
                                    "-----BEGIN CERTIFICATE-----\n!!!!\n"
                                    "-----END CERTIFICATE-----\n"))
                  .status()
                  .message(),
              HasSubstr("PEM block 2 (CERTIFICATE): invalid base64"));
}

TEST(PemTest, ReadsAChainBlockByBlock) {
  Pair pair = MakePair();
  const std::string leaf = Pem(pair.leaf.get());
  const std::string ca = Pem(pair.ca.get());
  const std::string key =
      "-----BEGIN PRIVATE KEY-----\nnot even base64\n";  // skipped unread
  PemChain chain = ReadPemChain(absl::StrCat("text\n", leaf, key, ca));
  EXPECT_EQ(chain.problem, "");
  EXPECT_THAT(chain.ders, ElementsAreArray({pair.leaf_der, pair.ca_der}));

  // The third block is the second certificate, and it is bad.
  chain = ReadPemChain(absl::StrCat(
      leaf, key,
      "-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n", ca));
  EXPECT_EQ(chain.problem, "PEM block 3 (CERTIFICATE): invalid base64");
  EXPECT_THAT(chain.ders, ElementsAreArray({pair.leaf_der}));

  // A block's END line must come before the next BEGIN line.
  chain = ReadPemChain(absl::StrCat("-----BEGIN CERTIFICATE-----\nAAAA\n", ca));
  EXPECT_EQ(chain.problem, "PEM block 1 (CERTIFICATE): no END line");
  EXPECT_TRUE(chain.ders.empty());

  EXPECT_EQ(ReadPemChain("just text").problem, "no PEM block");
  EXPECT_EQ(ReadPemChain(key).problem, "no CERTIFICATE block");
}

// CertificateBlockToDer decodes a block as PemToDer does, into storage it
// reuses, and fails where PemToDer fails.
TEST(PemTest, CertificateBlockToDerAgreesWithPemToDer) {
  Pair pair = MakePair();
  const std::string leaf = Pem(pair.leaf.get());
  std::string der(8192, 'x');
  ASSERT_TRUE(CertificateBlockToDer(leaf, &der));
  EXPECT_EQ(der, pair.leaf_der);
  std::string crlf = leaf;
  for (size_t i = crlf.find('\n'); i != std::string::npos;
       i = crlf.find('\n', i + 2)) {
    crlf.insert(i, "\r");
  }
  const std::string blocks[] = {
      leaf,
      crlf,
      leaf + "trailing text\n",
      "-----BEGIN CERTIFICATE-----\nAAAA\n",
      "-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n",
      "-----BEGIN CERTIFICATE-----\n\n-----END CERTIFICATE-----\n",
      "-----BEGIN CERTIFICATE-----\nAA=A\n-----END CERTIFICATE-----\n",
      "-----BEGIN CERTIFICATE-----\nQUJD\n-----END CERTIFICATE-----\n",
      "-----BEGIN CERTIFICATE-----\nQUI\n-----END CERTIFICATE-----",
      "-----BEGIN CERTIFICATE----- \nQUJD\n-----END CERTIFICATE-----\n",
      "-----BEGIN PRIVATE KEY-----\nQUJD\n-----END PRIVATE KEY-----\n",
      "text\n" + leaf,
  };
  for (const std::string& block : blocks) {
    absl::StatusOr<std::vector<std::string>> expected = PemToDer(block);
    const bool expect_ok = expected.ok() && expected->size() == 1 &&
                           absl::StartsWith(block, "-----BEGIN CERTIFICATE");
    ASSERT_EQ(CertificateBlockToDer(block, &der), expect_ok) << block;
    if (expect_ok) EXPECT_EQ(der, expected->front()) << block;
  }
}

TEST(PemTest, CertificateTextToDer) {
  Pair pair = MakePair();
  absl::StatusOr<std::string> der = CertificateTextToDer(Pem(pair.leaf.get()));
  ASSERT_TRUE(der.ok()) << der.status();
  EXPECT_EQ(*der, pair.leaf_der);
  std::string base64 = absl::Base64Escape(pair.leaf_der);
  base64.insert(10, "\n ");
  base64.insert(40, "\r\n");
  der = CertificateTextToDer(base64);
  ASSERT_TRUE(der.ok()) << der.status();
  EXPECT_EQ(*der, pair.leaf_der);
  EXPECT_FALSE(CertificateTextToDer("not base64!").ok());
  EXPECT_FALSE(CertificateTextToDer("").ok());
  EXPECT_FALSE(
      CertificateTextToDer(Pem(pair.leaf.get()) + Pem(pair.ca.get())).ok());
}

TEST(HexTest, ToHexAndThumbprints) {
  const uint8_t bytes[] = {0x00, 0x5f, 0xab, 0xff};
  EXPECT_EQ(ToHex(bytes), "005FABFF");
  EXPECT_EQ(ToHex({}), "");
  Pair pair = MakePair();
  CertificatePtr cert = MustParse(pair.leaf_der);
  ASSERT_NE(cert, nullptr);
  const std::string hex = ToHex(cert->sha256());
  absl::StatusOr<Sha256Digest> parsed = ParseSha256Thumbprint(hex);
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(*parsed, cert->sha256());
  std::string lower_colons;
  for (size_t i = 0; i < hex.size(); i += 2) {
    if (i > 0) lower_colons += ':';
    lower_colons += absl::AsciiStrToLower(hex.substr(i, 2));
  }
  parsed = ParseSha256Thumbprint(absl::StrCat(" ", lower_colons, "\n"));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(*parsed, cert->sha256());

  EXPECT_THAT(ParseSha256Thumbprint(hex.substr(2)).status().message(),
              HasSubstr("expected 64 hex digits, got 62"));
  EXPECT_THAT(ParseSha256Thumbprint(hex + "00").status().message(),
              HasSubstr("more than 64"));
  EXPECT_THAT(ParseSha256Thumbprint("G" + hex.substr(1)).status().message(),
              HasSubstr("invalid character 'G' at position 0"));
  EXPECT_THAT(ParseSha256Thumbprint("A:" + hex.substr(1)).status().message(),
              HasSubstr("misplaced separator at position 1"));
}

TEST(SignatureAlgorithmNameTest, Names) {
  EXPECT_EQ(SignatureAlgorithmName(SignatureAlgorithm::kEcdsaSha256),
            "ecdsa-with-SHA256");
  EXPECT_EQ(SignatureAlgorithmName(SignatureAlgorithm::kRsaPkcs1Sha256),
            "sha256WithRSAEncryption");
  EXPECT_EQ(SignatureAlgorithmName(SignatureAlgorithm::kUnknown), "unknown");
}

// Not a benchmark (bench/ has those); prints a rough cost per operation so
// regressions are visible in the test log.
TEST(CertificateTimingTest, ParseAndVerify) {
  Pair pair = MakePair();
  CertificatePtr ca = MustParse(pair.ca_der);
  ASSERT_NE(ca, nullptr);
  constexpr int kParses = 2000;
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < kParses; ++i) {
    ASSERT_TRUE(Certificate::Create(pair.leaf_der).ok());
  }
  auto parse = std::chrono::steady_clock::now() - start;
  CertificatePtr leaf = MustParse(pair.leaf_der);
  constexpr int kVerifies = 200;
  start = std::chrono::steady_clock::now();
  for (int i = 0; i < kVerifies; ++i) ASSERT_TRUE(VerifySignedBy(*leaf, *ca));
  auto verify = std::chrono::steady_clock::now() - start;
  std::printf(
      "parse: %.2f us/cert, ECDSA P-256 verify: %.1f us (DER %zu bytes)\n",
      std::chrono::duration<double, std::micro>(parse).count() / kParses,
      std::chrono::duration<double, std::micro>(verify).count() / kVerifies,
      pair.leaf_der.size());
}

}  // namespace
}  // namespace chaintrust
