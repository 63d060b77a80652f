// Security notes for one Background Security Improvement: the pages and
// machine-readable advisories a vendor publishes beside its TUF repository,
// rendered from the improvement record (bsi/release/improvement.h). The
// format of every file is specified in docs/formats/security-notes.md.
//
// RenderNotes() returns every file of an improvement's notes directory, in
// this fixed order (the repository writer places them at
// <repo>/notes/<product>/<base>/<letter>/):
//   index.html          the human page: a standalone HTML5 document
//   notes.md            the same content in Markdown
//   csaf.json           a CSAF 2.0 security advisory
//   osv/<CVE-ID>.json   one OSV record per CVE the improvement fixes, in the
//                       order of the record
//
// Every renderer is a pure function of its input: the same NotesInput gives
// the same bytes (no clock is read; `now` is passed in). Text written by
// the release engineer (CVE descriptions, the withdrawal reason, the release
// notes, the publisher name) is treated as untrusted: it is escaped for
// HTML and Markdown and never passed through as markup.
//
//   NotesInput input{improvement, {"Acme Corp", "https://acme.example"}, notes, clock.Now()};
//   BSI_ASSIGN_OR_RETURN(std::vector<NoteFile> files, RenderNotes(input));
//
// Thread-safety: value types and pure functions.
#ifndef BSI_ADVISORY_NOTES_H_
#define BSI_ADVISORY_NOTES_H_

#include <string>
#include <string_view>
#include <vector>

#include "bsi/core/clock.h"
#include "bsi/core/result.h"
#include "bsi/json/json.h"
#include "bsi/release/improvement.h"

namespace bsi::advisory {

// The OSV schema version the records follow ("schema_version").
inline constexpr std::string_view kOsvSchemaVersion = "1.6.0";

// Who publishes the notes; the CSAF document's publisher.
struct Publisher {
  std::string name;           // "Acme Corp": 1..256 bytes of UTF-8, one line
  std::string namespace_url;  // "https://acme.example": an http(s) URL the vendor controls
};

struct NotesInput {
  release::Improvement improvement;
  Publisher publisher;
  // The vendor's own release notes (Markdown, may be empty). Shown as
  // preformatted text, never rendered as markup. At most 1 MiB.
  std::string release_notes;
  // When the notes are (re)generated: the CSAF generator date, the OSV
  // "modified" time (never before publication or withdrawal), and the
  // reference time for the rollout status on the human pages.
  UnixTime now;
};

// One file of the notes; `name` is relative to the improvement's notes
// directory ("index.html", "osv/CVE-2026-20643.json").
struct NoteFile {
  std::string name;
  std::string content;

  friend bool operator==(const NoteFile&, const NoteFile&) = default;
};

// Whether the input can be rendered: the improvement passes the checks of
// release::ParseImprovement (names, versions, tree digests empty or 64 hex
// digits, CVE ids unique, rollout), every text is valid UTF-8 without NUL, times are in years
// 1970..9999, a withdrawal is not before publication, superseded_by is a later base version, and
// the publisher is as described above. Errors: kInvalidArgument, saying what is wrong.
Status CheckNotesInput(const NotesInput& input);

// Every file of the notes, in the order of the file comment.
// Errors: those of CheckNotesInput().
Result<std::vector<NoteFile>> RenderNotes(const NotesInput& input);

// The individual renderers. REQUIRES: CheckNotesInput(input).ok().
std::string RenderMarkdown(const NotesInput& input);
std::string RenderHtml(const NotesInput& input);
// The documents as values; RenderNotes() writes them with ToPrettyString.
json::Value RenderCsaf(const NotesInput& input);
// REQUIRES: cve is one of input.improvement.cves.
json::Value RenderOsv(const NotesInput& input, const release::Cve& cve);

// Identifiers, stable for an improvement (docs/formats/security-notes.md):
// "BSI-acme-os-26.3.1-a", the CSAF document.tracking.id;
std::string CsafTrackingId(const release::Improvement& improvement);
// "BSI-acme-os-26.3.1-a-CVE-2026-20643", the OSV id;
std::string OsvId(const release::Improvement& improvement, std::string_view cve_id);
// "osv/CVE-2026-20643.json", the OSV record's file name.
std::string OsvFileName(std::string_view cve_id);

}  // namespace bsi::advisory

#endif  // BSI_ADVISORY_NOTES_H_
