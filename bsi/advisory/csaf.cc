// csaf.json: a CSAF 2.0 document (docs/formats/security-notes.md). An
// improvement that fixes CVEs is a csaf_security_advisory: the base version
// is known_affected, the improvement (and the superseding OS version, if
// any) fixed, with a vendor_fix remediation. One that lists no CVE is a
// csaf_informational_advisory, which the profile forbids to carry
// vulnerabilities. Revisions: the publication, then the withdrawal.
#include <string>
#include <utility>
#include <vector>

#include "bsi/advisory/notes.h"
#include "bsi/advisory/notes_text.h"

namespace bsi::advisory {
namespace {

using internal::DateText;

constexpr std::size_t kMaxReasonInRevision = 200;

struct ProductIds {
  std::string base;         // the base version: affected
  std::string improvement;  // the improvement: fixed
  std::string superseding;  // the superseding OS version, if any: fixed
};

ProductIds MakeProductIds(const release::Improvement& improvement) {
  ProductIds ids;
  ids.base = improvement.product + "-" + improvement.base.ToString();
  ids.improvement = ids.base + "-" + improvement.letter.ToString();
  if (improvement.superseded_by.has_value()) {
    ids.superseding = improvement.product + "-" + improvement.superseded_by->ToString();
  }
  return ids;
}

json::Object Note(std::string_view category, std::string_view title, std::string text) {
  return json::Object{{"category", category}, {"title", title}, {"text", std::move(text)}};
}

std::string SummaryText(const NotesInput& input) {
  const release::Improvement& improvement = input.improvement;
  std::string text = improvement.Id() + " is a Background Security Improvement for " +
                     improvement.product + " " + improvement.base.ToString() + ", published by " +
                     input.publisher.name + " at " + DateText(improvement.published) +
                     ". It updates ";
  for (std::size_t i = 0; i < improvement.components.size(); ++i) {
    const release::ComponentChange& component = improvement.components[i];
    if (i > 0) text += i + 1 == improvement.components.size() ? " and " : ", ";
    text += component.name + " from " + component.from_version + " to " + component.version;
  }
  if (improvement.cves.empty()) return text + ". It lists no CVE.";
  text += " and fixes " + std::to_string(improvement.cves.size()) +
          (improvement.cves.size() == 1 ? " vulnerability:" : " vulnerabilities:");
  for (std::size_t i = 0; i < improvement.cves.size(); ++i) {
    text += (i > 0 ? ", " : " ") + improvement.cves[i].id;
  }
  return text + ".";
}

std::string WithdrawalText(const release::Improvement& improvement) {
  return "This improvement was withdrawn at " + DateText(improvement.withdrawal->time) +
         "; do not install it. Reason: " + improvement.withdrawal->reason;
}

json::Array DocumentNotes(const NotesInput& input) {
  const release::Improvement& improvement = input.improvement;
  json::Array notes{Note("summary", "Summary", SummaryText(input))};
  if (improvement.withdrawal.has_value()) {
    notes.push_back(Note("general", "Withdrawal", WithdrawalText(improvement)));
  }
  if (improvement.superseded_by.has_value()) {
    notes.push_back(
        Note("general", "Supersession",
             "The fixes are included in " + internal::SupersedingVersionName(improvement) + "."));
  }
  std::string rollout = internal::RolloutStatus(improvement, input.now) + " Waves: ";
  const std::vector<std::string> waves = internal::WaveLines(improvement);
  for (std::size_t i = 0; i < waves.size(); ++i) rollout += (i > 0 ? "; " : "") + waves[i];
  notes.push_back(Note("general", "Rollout", rollout + "."));
  if (!input.release_notes.empty()) {
    notes.push_back(Note("details", "Release notes", input.release_notes));
  }
  return notes;
}

json::Object Tracking(const NotesInput& input) {
  const release::Improvement& improvement = input.improvement;
  json::Array history{json::Object{
      {"date", DateText(improvement.published)}, {"number", "1"}, {"summary", "Initial release."}}};
  UnixTime current = improvement.published;
  if (improvement.withdrawal.has_value()) {
    current = improvement.withdrawal->time;
    history.push_back(json::Object{
        {"date", DateText(current)},
        {"number", "2"},
        {"summary",
         "Withdrawn: " + internal::OneLine(improvement.withdrawal->reason, kMaxReasonInRevision)}});
  }
  const std::string version = std::to_string(history.size());
  return json::Object{
      {"id", CsafTrackingId(improvement)},
      {"status", "final"},
      {"version", version},
      {"revision_history", std::move(history)},
      {"initial_release_date", DateText(improvement.published)},
      {"current_release_date", DateText(current)},
      {"generator",
       json::Object{{"date", DateText(input.now)}, {"engine", json::Object{{"name", "bsi"}}}}},
  };
}

json::Object VersionBranch(std::string version, std::string name, std::string product_id) {
  return json::Object{
      {"category", "product_version"},
      {"name", std::move(version)},
      {"product", json::Object{{"name", std::move(name)}, {"product_id", std::move(product_id)}}},
  };
}

json::Object ProductTree(const NotesInput& input, const ProductIds& ids) {
  const release::Improvement& improvement = input.improvement;
  json::Array versions{
      VersionBranch(improvement.base.ToString(),
                    improvement.product + " " + improvement.base.ToString(), ids.base),
      VersionBranch(improvement.version().ToString(), improvement.Id(), ids.improvement)};
  if (improvement.superseded_by.has_value()) {
    versions.push_back(VersionBranch(improvement.superseded_by->ToString(),
                                     internal::SupersedingVersionName(improvement),
                                     ids.superseding));
  }
  json::Object product{{"category", "product_name"},
                       {"name", improvement.product},
                       {"branches", std::move(versions)}};
  json::Object vendor{{"category", "vendor"},
                      {"name", input.publisher.name},
                      {"branches", json::Array{std::move(product)}}};
  return json::Object{{"branches", json::Array{std::move(vendor)}}};
}

json::Object Remediation(const NotesInput& input, const ProductIds& ids) {
  const release::Improvement& improvement = input.improvement;
  const json::Array affected{ids.base};
  if (!improvement.withdrawal.has_value()) {
    std::string details = "Install " + improvement.Id() +
                          ", a Background Security Improvement for " + improvement.product + " " +
                          improvement.base.ToString() + ".";
    if (improvement.superseded_by.has_value()) {
      details +=
          " The fixes are also included in " + internal::SupersedingVersionName(improvement) + ".";
    }
    return json::Object{{"category", "vendor_fix"},
                        {"details", std::move(details)},
                        {"date", DateText(improvement.published)},
                        {"product_ids", affected}};
  }
  const std::string withdrawn = "The Background Security Improvement " + improvement.Id() +
                                " was withdrawn at " + DateText(improvement.withdrawal->time) +
                                "; do not install it.";
  if (improvement.superseded_by.has_value()) {
    return json::Object{{"category", "vendor_fix"},
                        {"details", "Update to " + internal::SupersedingVersionName(improvement) +
                                        ", which includes the fix. " + withdrawn},
                        {"product_ids", affected}};
  }
  return json::Object{{"category", "none_available"},
                      {"details", withdrawn + " No other fix is available yet."},
                      {"date", DateText(improvement.withdrawal->time)},
                      {"product_ids", affected}};
}

json::Object Vulnerability(const NotesInput& input, const ProductIds& ids,
                           const release::Cve& cve) {
  const release::Improvement& improvement = input.improvement;
  json::Array notes{
      Note("description", "Description",
           cve.description.empty() ? "No description was provided." : cve.description)};
  if (improvement.withdrawal.has_value()) {
    notes.push_back(Note("general", "Withdrawal of the fix", WithdrawalText(improvement)));
  }
  json::Array fixed{ids.improvement};
  json::Array recommended;
  if (!improvement.withdrawal.has_value()) recommended.push_back(ids.improvement);
  if (improvement.superseded_by.has_value()) {
    fixed.push_back(ids.superseding);
    recommended.push_back(ids.superseding);
  }
  json::Object status{{"known_affected", json::Array{ids.base}}, {"fixed", std::move(fixed)}};
  if (!recommended.empty()) status["recommended"] = std::move(recommended);
  json::Object vulnerability{
      {"cve", cve.id},
      {"notes", std::move(notes)},
      {"product_status", std::move(status)},
      {"remediations", json::Array{Remediation(input, ids)}},
      {"references",
       json::Array{json::Object{{"category", "external"},
                                {"summary", "CVE record of " + cve.id},
                                {"url", "https://www.cve.org/CVERecord?id=" + cve.id}}}},
  };
  if (cve.severity != release::Severity::kUnknown) {
    vulnerability["threats"] =
        json::Array{json::Object{{"category", "impact"},
                                 {"details", "Severity " + internal::SeverityTitle(cve.severity) +
                                                 ", as rated by " + input.publisher.name + "."},
                                 {"product_ids", json::Array{ids.base}}}};
  }
  return vulnerability;
}

}  // namespace

json::Value RenderCsaf(const NotesInput& input) {
  const release::Improvement& improvement = input.improvement;
  const bool advisory = !improvement.cves.empty();
  json::Object document{
      {"category", advisory ? "csaf_security_advisory" : "csaf_informational_advisory"},
      {"csaf_version", "2.0"},
      {"lang", "en"},
      {"title", improvement.Id() + ": Background Security Improvement" +
                    (improvement.withdrawal.has_value() ? " (withdrawn)" : "")},
      {"publisher", json::Object{{"category", "vendor"},
                                 {"name", input.publisher.name},
                                 {"namespace", input.publisher.namespace_url}}},
      {"distribution", json::Object{{"tlp", json::Object{{"label", "WHITE"},
                                                         {"url", "https://www.first.org/tlp/"}}}}},
      {"notes", DocumentNotes(input)},
      {"tracking", Tracking(input)},
  };
  if (!advisory) {
    // The informational profile requires an external reference (test 6.1.27.2).
    document["references"] = json::Array{json::Object{{"category", "external"},
                                                      {"summary", input.publisher.name},
                                                      {"url", input.publisher.namespace_url}}};
    return json::Object{{"document", std::move(document)}};
  }
  const release::Severity max = internal::MaxSeverity(improvement);
  if (max != release::Severity::kUnknown) {
    document["aggregate_severity"] = json::Object{{"text", internal::SeverityTitle(max)}};
  }
  const ProductIds ids = MakeProductIds(improvement);
  json::Array vulnerabilities;
  for (const release::Cve& cve : improvement.cves) {
    vulnerabilities.push_back(Vulnerability(input, ids, cve));
  }
  return json::Object{{"document", std::move(document)},
                      {"product_tree", ProductTree(input, ids)},
                      {"vulnerabilities", std::move(vulnerabilities)}};
}

}  // namespace bsi::advisory
