// Sample inputs for the notes renderers, shared by the unit tests
// (bsi/advisory/*_test.cc) and the validation test that runs the real CSAF
// and OSV validators (tests/advisory_validation_test.cc). Header-only; for
// tests only.
#ifndef BSI_ADVISORY_NOTES_TEST_UTIL_H_
#define BSI_ADVISORY_NOTES_TEST_UTIL_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "bsi/advisory/notes.h"
#include "bsi/release/improvement.h"

namespace bsi::advisory::testing {

// Text a release engineer might paste: markup, entities, quotes, non-ASCII.
inline constexpr std::int64_t kHour = 3600;

inline constexpr char kHostileText[] =
    "<script>alert(\"pwned\")</script> & 'quotes' \"double\" <img src=x onerror=alert(1)> "
    "[link](javascript:alert(1)) &amp; **bold** `code` | pipe\n"
    "Zweite Zeile: Speicherüberlauf im JIT — 日本語 ✓ 🚀";

// A component change with made-up tree digests.
inline release::ComponentChange Change(std::string name, std::string from, std::string to) {
  return {std::move(name), std::move(from), std::move(to), std::string(64, 'a'),
          std::string(64, 'b')};
}

inline release::Improvement BaseImprovement(const std::string& letter) {
  release::Improvement improvement;
  improvement.product = "acme-os";
  improvement.base = version::BaseVersion::Parse("26.3.1").value();
  improvement.letter = version::Letter::Parse(letter).value();
  improvement.published = UnixTime{1'790'000'000};  // 2026-09-21T14:13:20Z
  improvement.components = {Change("webkit", "620.1", "620.1.1")};
  improvement.payloads = {{"webkit", "base",
                           release::PayloadTargetPath("acme-os", improvement.base,
                                                      improvement.letter, "webkit", "base")}};
  improvement.rollout = release::DefaultRollout();
  return improvement;
}

inline NotesInput MakeInput(release::Improvement improvement) {
  NotesInput input;
  input.improvement = std::move(improvement);
  input.publisher = {"Acme Corp", "https://acme.example"};
  input.now = UnixTime{input.improvement.published.seconds + 7 * kHour};
  return input;
}

// One CVE, the default rollout, nothing unusual.
inline NotesInput PlainInput() {
  release::Improvement improvement = BaseImprovement("a");
  improvement.cves = {
      {"CVE-2026-20643", release::Severity::kHigh, "Use after free in the JavaScript JIT."}};
  NotesInput input = MakeInput(std::move(improvement));
  input.release_notes = "# acme-os 26.3.1 (a)\n\nFixes a WebKit vulnerability.\n";
  return input;
}

// Three CVEs of different severities, hostile descriptions and notes, two
// components, a paused rollout.
inline NotesInput ThreeCvesInput() {
  release::Improvement improvement = BaseImprovement("b");
  improvement.components = {Change("webkit", "620.1", "620.1.2"),
                            Change("openssl", "3.0.11", "3.0.11-1")};
  improvement.cves = {
      {"CVE-2026-1001", release::Severity::kCritical, kHostileText},
      {"CVE-2026-1002", release::Severity::kMedium, "Heap overflow in <tls> & \"x509\" parsing."},
      {"CVE-2026-1003", release::Severity::kLow, "Ein Fehler in der Zeitzonen-Verarbeitung ✓"}};
  improvement.rollout.paused = true;
  NotesInput input = MakeInput(std::move(improvement));
  input.publisher.name = "Acme & Söhne <GmbH>";
  input.release_notes = std::string("```\n") + kHostileText + "\n```\n<b>raw html</b>\n";
  return input;
}

// Withdrawn (with a hostile reason) and superseded by the next OS version;
// one CVE of unknown severity without a description.
inline NotesInput WithdrawnInput() {
  release::Improvement improvement = BaseImprovement("c");
  improvement.cves = {{"CVE-2026-2001", release::Severity::kHigh, "Type confusion in WebAssembly."},
                      {"CVE-2026-2002", release::Severity::kUnknown, ""}};
  improvement.withdrawal =
      release::Withdrawal{"Boot loop on <model X> & \"Y\" — rollback übernommen",
                          UnixTime{improvement.published.seconds + 3 * kHour}};
  improvement.superseded_by = version::BaseVersion::Parse("26.4").value();
  return MakeInput(std::move(improvement));
}

// Hardening only: no CVE (an informational advisory, no OSV record).
inline NotesInput NoCveInput() {
  release::Improvement improvement = BaseImprovement("d");
  improvement.rollout = release::Rollout{{{0, 100}}, false};
  return MakeInput(std::move(improvement));
}

inline std::vector<NotesInput> AllSampleInputs() {
  return {PlainInput(), ThreeCvesInput(), WithdrawnInput(), NoCveInput()};
}

}  // namespace bsi::advisory::testing

#endif  // BSI_ADVISORY_NOTES_TEST_UTIL_H_
