package appset

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"

	"flotilla.dev/flotilla/api/v1alpha1"
)

// guardDeletions holds the plan's deletions when they are more than the
// set's max-deletions annotation allows and the pass was not confirmed
// with the token of exactly these deletions.
func guardDeletions(set *v1alpha1.ApplicationSet, p *Plan, owned int) error {
	raw, ok := set.Annotations[MaxDeletionsAnnotation]
	if !ok || len(p.Delete) == 0 {
		return nil
	}
	limit, err := MaxDeletions(raw, owned)
	if err != nil {
		return err
	}
	if len(p.Delete) <= limit {
		return nil
	}
	names := make([]string, len(p.Delete))
	for i, a := range p.Delete {
		names[i] = a.Name
	}
	token := confirmToken(names)
	if set.Annotations[ConfirmDeletionsAnnotation] == token {
		return nil
	}
	p.Held, p.Delete, p.ConfirmToken = names, nil, token
	p.HeldMessage = fmt.Sprintf("holding the deletion of %d Applications (%s allows %d): %s; raise the annotation or confirm with %s=%s",
		len(names), MaxDeletionsAnnotation, limit, listNames(names, 20), ConfirmDeletionsAnnotation, token)
	return nil
}

// MaxDeletions turns the annotation's value ("N" or "N%" of owned) into a
// number of Applications.
func MaxDeletions(raw string, owned int) (int, error) {
	v := strings.TrimSpace(raw)
	pct := strings.HasSuffix(v, "%")
	n, err := strconv.Atoi(strings.TrimSuffix(v, "%"))
	if err != nil || n < 0 || (pct && n > 100) {
		return 0, fmt.Errorf("annotation %s=%q: want a number of Applications or a percentage (\"10\", \"25%%\")", MaxDeletionsAnnotation, raw)
	}
	if pct {
		return n * owned / 100, nil
	}
	return n, nil
}

func confirmToken(names []string) string {
	h := sha256.Sum256([]byte(strings.Join(names, "\n")))
	return hex.EncodeToString(h[:])[:12]
}

func listNames(names []string, max int) string {
	if len(names) <= max {
		return strings.Join(names, ", ")
	}
	return strings.Join(names[:max], ", ") + fmt.Sprintf(" and %d more", len(names)-max)
}
