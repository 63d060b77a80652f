#include "bsi/advisory/notes.h"

#include <algorithm>
#include <cstdint>
#include <set>
#include <utility>

#include "bsi/advisory/notes_text.h"

namespace bsi::advisory {
namespace {

constexpr std::int64_t kMaxTime = 253402300799;  // 9999-12-31T23:59:59Z
constexpr std::size_t kMaxPublisherName = 256;
constexpr std::size_t kMaxUrlLength = 2048;
constexpr std::size_t kMaxDescriptionLength = 4096;
constexpr std::size_t kMaxReleaseNotesLength = std::size_t{1} << 20;

Error Invalid(std::string message) {
  return Error(ErrorCode::kInvalidArgument, std::move(message));
}

Status CheckTime(const std::string& what, std::int64_t seconds) {
  if (seconds < 0 || seconds > kMaxTime) return Invalid(what + " is outside the years 1970..9999");
  return Ok();
}

Status CheckText(const std::string& what, std::string_view text, std::size_t max_bytes) {
  if (text.size() > max_bytes) {
    return Invalid(what + " is longer than " + std::to_string(max_bytes) + " bytes");
  }
  if (text.find('\0') != std::string_view::npos) return Invalid(what + " holds a NUL byte");
  if (!internal::IsValidUtf8(text)) return Invalid(what + " is not valid UTF-8");
  return Ok();
}

// RFC 3986 characters (unreserved, reserved, and '%' of percent-encoding).
bool IsUrlChar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("-._~:/?#[]@!$&'()*+,;=%").find(c) != std::string_view::npos;
}

// 64 lowercase hex digits, as payload::TreeDigest writes them.
bool IsTreeDigest(std::string_view text) {
  return text.size() == 64 && std::all_of(text.begin(), text.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

Status CheckPublisher(const Publisher& publisher) {
  if (publisher.name.empty()) return Invalid("the publisher's name is empty");
  BSI_TRY(CheckText("the publisher's name", publisher.name, kMaxPublisherName));
  for (char c : publisher.name) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) {
      return Invalid("the publisher's name holds a control character");
    }
  }
  const std::string_view url = publisher.namespace_url;
  std::string_view rest;
  if (url.starts_with("https://")) {
    rest = url.substr(8);
  } else if (url.starts_with("http://")) {
    rest = url.substr(7);
  } else {
    return Invalid("the publisher's namespace is not an http(s) URL");
  }
  if (rest.empty() || rest.front() == '/' || url.size() > kMaxUrlLength) {
    return Invalid("the publisher's namespace URL has no host or is too long");
  }
  for (char c : url) {
    if (!IsUrlChar(c)) {
      return Invalid("the publisher's namespace URL holds a character not in RFC 3986");
    }
  }
  return Ok();
}

Status CheckImprovement(const release::Improvement& improvement) {
  BSI_TRY(release::CheckName("product", improvement.product));
  if (improvement.components.empty()) return Invalid("the improvement changes no component");
  std::set<std::string> names;
  for (const release::ComponentChange& component : improvement.components) {
    BSI_TRY(release::CheckName("component", component.name));
    BSI_TRY(release::CheckComponentVersion(component.from_version));
    BSI_TRY(release::CheckComponentVersion(component.version));
    for (const std::string* digest : {&component.from_tree, &component.tree}) {
      if (!digest->empty() && !IsTreeDigest(*digest)) {
        return Invalid("component " + component.name +
                       " has a tree digest that is not 64 hex digits");
      }
    }
    if (!names.insert(component.name).second) {
      return Invalid("component " + component.name + " is listed twice");
    }
  }
  std::set<std::string> ids;
  for (const release::Cve& cve : improvement.cves) {
    BSI_TRY(release::CheckCveId(cve.id));
    if (!ids.insert(cve.id).second) return Invalid(cve.id + " is listed twice");
    BSI_TRY(CheckText("the description of " + cve.id, cve.description, kMaxDescriptionLength));
  }
  BSI_TRY(release::CheckRollout(improvement.rollout));
  const std::int64_t published = improvement.published.seconds;
  BSI_TRY(CheckTime("the publication time", published));
  for (const release::Wave& wave : improvement.rollout.waves) {
    if (wave.after_seconds > kMaxTime - published) {
      return Invalid("a rollout wave starts after the year 9999");
    }
  }
  if (improvement.withdrawal.has_value()) {
    const release::Withdrawal& withdrawal = *improvement.withdrawal;
    if (withdrawal.reason.empty()) return Invalid("the withdrawal reason is empty");
    BSI_TRY(CheckText("the withdrawal reason", withdrawal.reason, kMaxDescriptionLength));
    BSI_TRY(CheckTime("the withdrawal time", withdrawal.time.seconds));
    if (withdrawal.time < improvement.published) {
      return Invalid("the improvement is withdrawn before it was published");
    }
  }
  if (improvement.superseded_by.has_value() && *improvement.superseded_by <= improvement.base) {
    return Invalid("superseded_by " + improvement.superseded_by->ToString() +
                   " is not a later base version than " + improvement.base.ToString());
  }
  return Ok();
}

}  // namespace

Status CheckNotesInput(const NotesInput& input) {
  BSI_TRY(CheckImprovement(input.improvement));
  BSI_TRY(CheckPublisher(input.publisher));
  BSI_TRY(CheckText("the release notes", input.release_notes, kMaxReleaseNotesLength));
  return CheckTime("the generation time", input.now.seconds);
}

Result<std::vector<NoteFile>> RenderNotes(const NotesInput& input) {
  BSI_TRY(CheckNotesInput(input));
  std::vector<NoteFile> files;
  files.push_back({"index.html", RenderHtml(input)});
  files.push_back({"notes.md", RenderMarkdown(input)});
  files.push_back({"csaf.json", json::ToPrettyString(RenderCsaf(input))});
  for (const release::Cve& cve : input.improvement.cves) {
    files.push_back({OsvFileName(cve.id), json::ToPrettyString(RenderOsv(input, cve))});
  }
  return files;
}

std::string CsafTrackingId(const release::Improvement& improvement) {
  return "BSI-" + improvement.product + "-" + improvement.base.ToString() + "-" +
         improvement.letter.ToString();
}

std::string OsvId(const release::Improvement& improvement, std::string_view cve_id) {
  return CsafTrackingId(improvement) + "-" + std::string(cve_id);
}

std::string OsvFileName(std::string_view cve_id) { return "osv/" + std::string(cve_id) + ".json"; }

}  // namespace bsi::advisory
