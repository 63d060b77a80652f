// osv/<CVE-ID>.json: one OSV record (schema 1.6) per CVE the improvement
// fixes. The vendor's product and components belong to no ecosystem the
// OSV specification defines, so `affected` entries carry no `package`: the
// component's affected version is enumerated in `versions` and what it is
// in `database_specific` (docs/formats/security-notes.md explains why).
#include <algorithm>
#include <string>

#include "bsi/advisory/notes.h"
#include "bsi/advisory/notes_text.h"

namespace bsi::advisory {
namespace {

using internal::DateText;
using internal::MarkdownEscape;

constexpr std::size_t kMaxReasonInSummary = 80;

std::string CveRecordUrl(std::string_view cve_id) {
  return "https://www.cve.org/CVERecord?id=" + std::string(cve_id);
}

std::string Summary(const release::Improvement& improvement, const release::Cve& cve) {
  std::string summary = cve.id + " in " + improvement.product + " " + improvement.base.ToString() +
                        ", fixed by improvement " + improvement.version().ToString();
  if (!improvement.withdrawal.has_value()) return summary;
  // OSV: the rationale for a withdrawal goes into the summary.
  return "Withdrawn: " + summary + ": " +
         internal::OneLine(improvement.withdrawal->reason, kMaxReasonInSummary);
}

// CommonMark, with every untrusted text escaped.
std::string Details(const NotesInput& input, const release::Cve& cve) {
  const release::Improvement& improvement = input.improvement;
  std::string details =
      cve.description.empty() ? "No description was provided." : MarkdownEscape(cve.description);
  details += "\n\nSeverity, as rated by " + MarkdownEscape(input.publisher.name) + ": " +
             internal::SeverityTitle(cve.severity) + ".\n\n";
  details += "Fixed in " + MarkdownEscape(improvement.Id()) +
             ", a Background Security Improvement for " + MarkdownEscape(improvement.product) +
             " " + improvement.base.ToString() + " published at " +
             DateText(improvement.published) + ", which updates:\n\n";
  for (const release::ComponentChange& component : improvement.components) {
    details += "- " + MarkdownEscape(component.name) + " from " +
               MarkdownEscape(component.from_version) + " to " + MarkdownEscape(component.version) +
               "\n";
  }
  if (improvement.superseded_by.has_value()) {
    details += "\nThe fixes are also included in " +
               MarkdownEscape(internal::SupersedingVersionName(improvement)) + ".\n";
  }
  if (improvement.withdrawal.has_value()) {
    details += "\n**Withdrawn** on " + DateText(improvement.withdrawal->time) +
               ": do not install " + MarkdownEscape(improvement.Id()) +
               ". Reason: " + MarkdownEscape(improvement.withdrawal->reason) + "\n";
  }
  return details;
}

json::Array Affected(const release::Improvement& improvement) {
  json::Array affected;
  for (const release::ComponentChange& component : improvement.components) {
    json::Object specific{
        {"product", improvement.product},
        {"base", improvement.base.ToString()},
        {"component", component.name},
        {"fixed_version", component.version},
        {"fixed_in", improvement.version().ToString()},
    };
    // payload::TreeDigest of the component's tree: what a device can check.
    if (!component.from_tree.empty()) specific["affected_tree"] = component.from_tree;
    if (!component.tree.empty()) specific["fixed_tree"] = component.tree;
    affected.push_back(json::Object{
        {"versions", json::Array{component.from_version}},
        {"database_specific", std::move(specific)},
    });
  }
  return affected;
}

}  // namespace

json::Value RenderOsv(const NotesInput& input, const release::Cve& cve) {
  const release::Improvement& improvement = input.improvement;
  UnixTime modified = std::max(input.now, improvement.published);
  json::Object specific{
      {"product", improvement.product},
      {"base", improvement.base.ToString()},
      {"letter", improvement.letter.ToString()},
      {"improvement", improvement.version().ToString()},
      {"severity", release::SeverityName(cve.severity)},
      {"publisher", input.publisher.name},
  };
  if (improvement.superseded_by.has_value()) {
    specific["superseded_by"] = improvement.superseded_by->ToString();
  }
  json::Object record{
      {"schema_version", kOsvSchemaVersion},
      {"id", OsvId(improvement, cve.id)},
      {"published", DateText(improvement.published)},
      {"aliases", json::Array{cve.id}},
      {"summary", Summary(improvement, cve)},
      {"details", Details(input, cve)},
      {"affected", Affected(improvement)},
      {"references",
       json::Array{json::Object{{"type", "ADVISORY"}, {"url", CveRecordUrl(cve.id)}}}},
  };
  if (improvement.withdrawal.has_value()) {
    modified = std::max(modified, improvement.withdrawal->time);
    record["withdrawn"] = DateText(improvement.withdrawal->time);
    specific["withdrawal_reason"] = improvement.withdrawal->reason;
  }
  record["modified"] = DateText(modified);
  record["database_specific"] = std::move(specific);
  return record;
}

}  // namespace bsi::advisory
