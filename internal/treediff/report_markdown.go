package treediff

import (
	"fmt"
	"io"
	"strings"
)

// DefaultMarkdownSize keeps a Markdown report under the 65,536 characters
// of a GitHub comment, with room for a heading the CI job adds.
const DefaultMarkdownSize = 60000

// WriteMarkdown writes r for a pull request comment: a heading, a summary
// table of Applications × objects added, changed and removed, and a
// collapsible section per Application with its diffs. Sections that would
// take the output over maxBytes (DefaultMarkdownSize when 0) are left out
// and a note says so; the heading and table are always written.
func WriteMarkdown(w io.Writer, r *Report, maxBytes int) error {
	if maxBytes <= 0 {
		maxBytes = DefaultMarkdownSize
	}
	var b strings.Builder
	writeMarkdownHead(&b, r)
	shown := 0
	for _, a := range r.Apps {
		sec := markdownSection(a)
		if b.Len()+len(sec)+noteReserve > maxBytes {
			break
		}
		b.WriteString(sec)
		shown++
	}
	if shown < len(r.Apps) {
		b.WriteString(truncationNote(shown, len(r.Apps)))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func writeMarkdownHead(b *strings.Builder, r *Report) {
	b.WriteString("### flotilla diff")
	if r.Base != "" || r.Head != "" {
		fmt.Fprintf(b, ": %s → %s", inlineCode(r.Base), inlineCode(r.Head))
	}
	b.WriteString("\n\n")
	if !r.Differs() {
		b.WriteString("No differences.\n")
		return
	}
	fmt.Fprintf(b, "%s\n\n", summaryLine(r))
	b.WriteString("| Application | Change | Added | Changed | Removed |\n|---|---|--:|--:|--:|\n")
	for _, a := range r.Apps {
		c := a.Counts()
		fmt.Fprintf(b, "| %s | %s | %d | %d | %d |\n", inlineCode(a.Name), a.Change, c.Added, c.Changed, c.Removed)
	}
	b.WriteString("\n")
}

// markdownSection is one Application's collapsible section.
func markdownSection(a AppDiff) string {
	var b strings.Builder
	c := a.Counts()
	fmt.Fprintf(&b, "<details>\n<summary><code>%s</code>: %s (%s)</summary>\n\n", htmlEscape(a.Name), a.Change, counts(c))
	if o := origin(a); o != "" {
		fmt.Fprintf(&b, "%s\n\n", strings.TrimSpace(o))
	}
	for _, e := range []struct{ at, msg string }{{"base", a.BaseError}, {"head", a.HeadError}} {
		if e.msg != "" {
			fmt.Fprintf(&b, "**Error at %s:**\n\n%s\n", e.at, fenced("text", e.msg))
		}
	}
	if a.Spec != "" {
		fmt.Fprintf(&b, "**Application spec**\n\n%s\n", fenced("diff", a.Spec))
	}
	for _, o := range a.Objects {
		fmt.Fprintf(&b, "**%s** (%s)\n\n%s\n", htmlEscape(o.Title()), o.Change, fenced("diff", o.Diff))
	}
	b.WriteString("</details>\n\n")
	return b.String()
}

// noteReserve is the room kept for the truncation note.
const noteReserve = 256

func truncationNote(shown, total int) string {
	return fmt.Sprintf("> [!NOTE]\n> Output truncated: the diffs of %d of %d applications are shown. Run `flotilla diff` (or `-o json`) for all of them.\n", shown, total)
}

// fenced puts s in a code fence longer than any backtick run in s.
func fenced(lang, s string) string {
	fence := "```"
	for strings.Contains(s, fence) {
		fence += "`"
	}
	return fence + lang + "\n" + strings.TrimSuffix(s, "\n") + "\n" + fence + "\n"
}

func inlineCode(s string) string {
	if s == "" {
		return "`-`"
	}
	return "`" + strings.ReplaceAll(s, "`", "'") + "`"
}

var htmlEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

func htmlEscape(s string) string { return htmlEscaper.Replace(s) }
