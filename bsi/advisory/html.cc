// index.html: the human page, a standalone HTML5 document (UTF-8, inline
// CSS, no script, a Content-Security-Policy that forbids loading anything).
// Every piece of text, ours or the release engineer's, goes through
// HtmlEscape; the release notes are shown as preformatted text.
#include <string>

#include "bsi/advisory/notes.h"
#include "bsi/advisory/notes_text.h"

namespace bsi::advisory {
namespace {

using internal::DateText;
using internal::HtmlEscape;

constexpr std::string_view kStyle =
    "body{font-family:system-ui,-apple-system,\"Segoe UI\",sans-serif;line-height:1.5;"
    "color:#1b1b1b;background:#fff;margin:0}"
    "main{max-width:60rem;margin:0 auto;padding:1rem 1.5rem}"
    "h1{font-size:1.7rem;margin-bottom:.2rem}"
    ".lead{color:#555;margin-top:0}"
    "table{border-collapse:collapse;width:100%;margin:.5rem 0 1rem}"
    "th,td{border:1px solid #ccc;padding:.35rem .6rem;text-align:left;vertical-align:top}"
    "th{background:#f3f3f3}"
    "dl{display:grid;grid-template-columns:max-content auto;gap:.2rem 1rem}"
    "dt{font-weight:600}dd{margin:0}"
    "pre,.text{white-space:pre-wrap;overflow-wrap:anywhere}"
    "pre{background:#f6f6f6;border:1px solid #ddd;padding:.75rem;font-size:.9rem}"
    ".banner{border:2px solid;padding:.5rem 1rem;margin:1rem 0;border-radius:4px}"
    ".withdrawn{border-color:#b00020;background:#fdecee}"
    ".superseded{border-color:#8a6d00;background:#fff8e1}"
    ".sev{font-weight:600}.sev-critical{color:#8b0000}.sev-high{color:#b00020}"
    ".sev-medium{color:#8a5a00}.sev-low{color:#2e6b2e}.sev-unknown{color:#555}"
    "footer{color:#555;font-size:.9rem;border-top:1px solid #ddd;margin-top:2rem}";

std::string SeverityClass(release::Severity severity) {
  return "sev sev-" + std::string(release::SeverityName(severity));
}

void AppendHead(const NotesInput& input, std::string& out) {
  out += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  out +=
      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
      "style-src 'unsafe-inline'\">\n";
  out += "<title>" + HtmlEscape(input.improvement.Id()) + " security notes</title>\n";
  out += "<style>" + std::string(kStyle) + "</style>\n</head>\n";
}

void AppendBanners(const release::Improvement& improvement, std::string& out) {
  if (improvement.withdrawal.has_value()) {
    out += "<section class=\"banner withdrawn\" role=\"alert\">\n<h2>Withdrawn</h2>\n";
    out += "<p>This improvement was withdrawn on <time datetime=\"" +
           DateText(improvement.withdrawal->time) + "\">" + DateText(improvement.withdrawal->time) +
           "</time>. Do not install it; devices no longer install it.</p>\n";
    out += "<p>Reason:</p>\n<div class=\"text\">" + HtmlEscape(improvement.withdrawal->reason) +
           "</div>\n</section>\n";
  }
  if (improvement.superseded_by.has_value()) {
    out +=
        "<section class=\"banner superseded\">\n<p><strong>Superseded:</strong> the fixes are "
        "included in " +
        HtmlEscape(internal::SupersedingVersionName(improvement)) + ".</p>\n</section>\n";
  }
}

void AppendFacts(const NotesInput& input, std::string& out) {
  const release::Improvement& improvement = input.improvement;
  out += "<dl>\n";
  const auto fact = [&out](std::string_view term, const std::string& escaped_value) {
    out += "<dt>" + std::string(term) + "</dt><dd>" + escaped_value + "</dd>\n";
  };
  fact("Product", HtmlEscape(improvement.product));
  fact("Base version", HtmlEscape(improvement.base.ToString()));
  fact("Improvement letter", HtmlEscape(improvement.letter.ToString()));
  fact("Improvement", HtmlEscape(improvement.version().ToString()));
  fact("Published", DateText(improvement.published));
  if (improvement.withdrawal.has_value()) {
    fact("Withdrawn", DateText(improvement.withdrawal->time));
  }
  if (improvement.superseded_by.has_value()) {
    fact("Superseded by", HtmlEscape(internal::SupersedingVersionName(improvement)));
  }
  fact("Publisher", HtmlEscape(input.publisher.name));
  out += "</dl>\n";
}

void AppendComponents(const release::Improvement& improvement, std::string& out) {
  out +=
      "<h2>Components</h2>\n<table>\n<thead><tr><th>Component</th>"
      "<th>At the base version</th><th>In this improvement</th></tr></thead>\n<tbody>\n";
  for (const release::ComponentChange& component : improvement.components) {
    out += "<tr><td>" + HtmlEscape(component.name) + "</td><td>" +
           HtmlEscape(component.from_version) + "</td><td>" + HtmlEscape(component.version) +
           "</td></tr>\n";
  }
  out += "</tbody>\n</table>\n";
}

void AppendCves(const release::Improvement& improvement, std::string& out) {
  out += "<h2>Vulnerabilities fixed</h2>\n";
  if (improvement.cves.empty()) {
    out += "<p>This improvement lists no CVE.</p>\n";
    return;
  }
  const release::Severity max = internal::MaxSeverity(improvement);
  out += "<p>" + std::to_string(improvement.cves.size()) +
         (improvement.cves.size() == 1 ? " vulnerability" : " vulnerabilities") +
         ", highest severity: <span class=\"" + SeverityClass(max) + "\">" +
         internal::SeverityTitle(max) + "</span>.</p>\n";
  out +=
      "<table>\n<thead><tr><th>CVE</th><th>Severity</th><th>Description</th></tr></thead>\n"
      "<tbody>\n";
  for (const release::Cve& cve : improvement.cves) {
    const std::string id = HtmlEscape(cve.id);
    out += "<tr id=\"" + id + "\"><td>" + id + "</td><td class=\"" + SeverityClass(cve.severity) +
           "\">" + internal::SeverityTitle(cve.severity) + "</td><td class=\"text\">" +
           (cve.description.empty() ? std::string("No description was provided.")
                                    : HtmlEscape(cve.description)) +
           "</td></tr>\n";
  }
  out += "</tbody>\n</table>\n";
}

void AppendRollout(const NotesInput& input, std::string& out) {
  out += "<h2>Rollout</h2>\n<p>" +
         HtmlEscape(internal::RolloutStatus(input.improvement, input.now)) + "</p>\n<ul>\n";
  for (const std::string& line : internal::WaveLines(input.improvement)) {
    out += "<li>" + HtmlEscape(line) + "</li>\n";
  }
  out += "</ul>\n";
}

void AppendReleaseNotes(const NotesInput& input, std::string& out) {
  out += "<h2>Release notes</h2>\n";
  if (input.release_notes.empty()) {
    out += "<p>The vendor published no release notes.</p>\n";
  } else {
    // The HTML parser drops one newline right after <pre>: give it one.
    out += "<pre>\n" + HtmlEscape(input.release_notes) + "</pre>\n";
  }
}

void AppendFooter(const NotesInput& input, std::string& out) {
  out += "<footer>\n<p>Generated by bsi at " + DateText(input.now) +
         ". Machine-readable: <a href=\"csaf.json\">CSAF advisory</a>";
  for (const release::Cve& cve : input.improvement.cves) {
    out +=
        ", <a href=\"" + HtmlEscape(OsvFileName(cve.id)) + "\">OSV " + HtmlEscape(cve.id) + "</a>";
  }
  out += "; <a href=\"notes.md\">Markdown</a>.</p>\n</footer>\n";
}

}  // namespace

std::string RenderHtml(const NotesInput& input) {
  const release::Improvement& improvement = input.improvement;
  std::string out;
  AppendHead(input, out);
  out += "<body>\n<main>\n<h1>" + HtmlEscape(improvement.Id()) + "</h1>\n";
  out += "<p class=\"lead\">Security notes for a Background Security Improvement of " +
         HtmlEscape(improvement.product + " " + improvement.base.ToString()) + ", published by " +
         HtmlEscape(input.publisher.name) + ".</p>\n";
  AppendBanners(improvement, out);
  AppendFacts(input, out);
  AppendComponents(improvement, out);
  AppendCves(improvement, out);
  AppendRollout(input, out);
  AppendReleaseNotes(input, out);
  AppendFooter(input, out);
  out += "</main>\n</body>\n</html>\n";
  return out;
}

}  // namespace bsi::advisory
