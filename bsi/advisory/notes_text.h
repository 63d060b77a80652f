// Text helpers shared by the notes renderers (notes.h): escaping untrusted
// text for HTML and Markdown, one-line summaries, and the wording of dates,
// severities and the rollout, so that every format says the same thing.
// Internal to bsi_advisory; tests use it directly.
//
// Thread-safety: pure functions.
#ifndef BSI_ADVISORY_NOTES_TEXT_H_
#define BSI_ADVISORY_NOTES_TEXT_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "bsi/core/clock.h"
#include "bsi/release/improvement.h"

namespace bsi::advisory::internal {

// Whether text is well-formed UTF-8 (no overlong forms, no surrogates,
// nothing above U+10FFFF).
bool IsValidUtf8(std::string_view text);

// Text for HTML element content and quoted attribute values: & < > " '
// become character references; C0 controls other than tab, LF and CR (and
// DEL) become U+FFFD. REQUIRES: valid UTF-8.
std::string HtmlEscape(std::string_view text);

// Text for Markdown (CommonMark) inline content: every character that could
// start markup (HTML, entity references, links, images, code, emphasis,
// headings, tables, strikethrough) is backslash-escaped, so the text renders
// as itself. Line breaks are kept; CR is dropped.
std::string MarkdownEscape(std::string_view text);

// A fenced code block holding text literally: a backtick fence longer than
// any backtick run in text, "text" as info string, a final newline.
std::string MarkdownCodeBlock(std::string_view text);

// Whitespace runs (including line breaks) and controls collapsed to one
// space, trimmed, and cut to at most max_bytes at a UTF-8 boundary with
// "..." appended when cut. REQUIRES: valid UTF-8, max_bytes >= 8.
std::string OneLine(std::string_view text, std::size_t max_bytes);

// "Critical", "High", "Medium", "Low", "Unknown".
std::string SeverityTitle(release::Severity severity);

// The highest severity of the improvement's CVEs (kUnknown if none).
release::Severity MaxSeverity(const release::Improvement& improvement);

// "2026-09-21T12:00:00Z".
std::string DateText(UnixTime time);

// "at publication", "6 hours after publication", "1 day and 30 minutes
// after publication".
std::string DelayText(std::int64_t seconds);

// One line per wave: "10% of devices from 2026-09-21T18:00:00Z (6 hours
// after publication)". Plain text (no markup, nothing untrusted).
std::vector<std::string> WaveLines(const release::Improvement& improvement);

// The state of the rollout at `now`, one sentence of plain text: withdrawn,
// paused, or the share of devices the waves allow.
std::string RolloutStatus(const release::Improvement& improvement, UnixTime now);

// "acme-os 26.4": the full OS version that supersedes the improvement.
// REQUIRES: improvement.superseded_by.
std::string SupersedingVersionName(const release::Improvement& improvement);

}  // namespace bsi::advisory::internal

#endif  // BSI_ADVISORY_NOTES_TEXT_H_
