package appset

import (
	"errors"
	"regexp"
	"strings"
	"text/template"

	"github.com/Masterminds/sprig/v3"
	"sigs.k8s.io/yaml"
)

// funcMap is what Go templates may call: Sprig without the functions that
// read the controller's environment, plus Argo CD's own.
var funcMap = newFuncMap()

func newFuncMap() template.FuncMap {
	m := sprig.TxtFuncMap()
	// As Argo CD: a template must not learn about the controller's host.
	delete(m, "env")
	delete(m, "expandenv")
	delete(m, "getHostByName")
	m["normalize"] = SanitizeName
	m["slugify"] = slugify
	m["toYaml"] = toYAML
	m["fromYaml"] = fromYAML
	m["fromYamlArray"] = fromYAMLArray
	return m
}

var invalidDNSNameChars = regexp.MustCompile("[^-a-z0-9.]")

// maxDNSNameLength is the longest name SanitizeName returns.
const maxDNSNameLength = 253

// SanitizeName makes name a valid DNS subdomain as Argo CD's
// utils.SanitizeName does: lowercase, every character other than a-z, 0-9,
// '-' and '.' replaced by '-', cut to 253 bytes, then leading and trailing
// '-' and '.' trimmed. Generators use it for nameNormalized,
// basenameNormalized and filenameNormalized; templates call it as
// `normalize`.
func SanitizeName(name string) string {
	name = strings.ToLower(name)
	name = invalidDNSNameChars.ReplaceAllString(name, "-")
	if len(name) > maxDNSNameLength {
		name = name[:maxDNSNameLength]
	}
	return strings.Trim(name, "-.")
}

// slugify is Argo CD's SlugifyName: `slugify [maxSize [smartTruncate]]
// name`, maxSize 50 and smartTruncate true by default. The name is
// sanitized first and then made a slug as github.com/gosimple/slug does
// (which, on a sanitized name, only turns dots into dashes, squeezes and
// trims dashes and truncates).
func slugify(args ...any) (string, error) {
	maxSize, smart, name := 50, true, ""
	for i, arg := range args {
		var ok bool
		switch i {
		case len(args) - 1:
			name, ok = arg.(string)
		case 0:
			maxSize, ok = arg.(int)
		case 1:
			smart, ok = arg.(bool)
		default:
			ok = true // Argo CD logs and ignores extra arguments
		}
		if !ok {
			return "", errors.New("bad slugify arguments: want [maxSize int [smartTruncate bool]] name string")
		}
	}
	return makeSlug(SanitizeName(name), maxSize, smart)
}

var (
	slugInvalidChars = regexp.MustCompile("[^a-zA-Z0-9-_]")
	slugDashes       = regexp.MustCompile("-+")
)

// makeSlug is gosimple/slug's MakeLang for an already sanitized (ASCII,
// lowercase, trimmed) string, with MaxLength maxSize and
// EnableSmartTruncate smart.
func makeSlug(s string, maxSize int, smart bool) (string, error) {
	if !smart && len(s) >= maxSize {
		if maxSize < 0 {
			return "", errors.New("slugify: negative maxSize")
		}
		s = s[:maxSize]
	}
	s = slugInvalidChars.ReplaceAllString(s, "-")
	s = slugDashes.ReplaceAllString(s, "-")
	s = strings.Trim(s, "-_")
	if maxSize > 0 && smart && len(s) > maxSize {
		s = smartTruncate(s, maxSize)
	}
	return s, nil
}

// smartTruncate cuts s at the last dash at or before n, or at n when
// there is none.
func smartTruncate(s string, n int) string {
	for i := n; i >= 0; i-- {
		if s[i] == '-' {
			return s[:i]
		}
	}
	return s[:n]
}

// toYAML is Helm's toYaml, without the trailing newline.
func toYAML(v any) (string, error) {
	data, err := yaml.Marshal(v)
	if err != nil {
		return "", err
	}
	return strings.TrimSuffix(string(data), "\n"), nil
}

// fromYAML is Helm's fromYaml: a YAML mapping as a map.
func fromYAML(s string) (map[string]any, error) {
	m := map[string]any{}
	if err := yaml.Unmarshal([]byte(s), &m); err != nil {
		return nil, err
	}
	return m, nil
}

// fromYAMLArray is Helm's fromYamlArray: a YAML sequence as a slice.
func fromYAMLArray(s string) ([]any, error) {
	a := []any{}
	if err := yaml.Unmarshal([]byte(s), &a); err != nil {
		return nil, err
	}
	return a, nil
}
