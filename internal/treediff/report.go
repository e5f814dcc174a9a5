package treediff

// Change is what happened to an Application or an object between the
// base and the head revisions.
type Change string

// The changes a Report records.
const (
	Added   Change = "added"
	Removed Change = "removed"
	Changed Change = "changed"
	// Failed marks an Application that did not render at one of the
	// revisions: its objects are not compared.
	Failed Change = "error"
)

// Report is the difference between two renders of a tree. Applications
// that are the same at both revisions are left out.
type Report struct {
	// Base and Head name the two sides (what the user gave, for display).
	Base string `json:"base,omitempty"`
	Head string `json:"head,omitempty"`
	// Summary counts the Applications and objects of Apps.
	Summary Summary   `json:"summary"`
	Apps    []AppDiff `json:"applications"`
}

// Summary counts changes.
type Summary struct {
	Applications Counts `json:"applications"`
	Objects      Counts `json:"objects"`
	// Errors is the number of Applications that did not render.
	Errors int `json:"errors"`
}

// Counts counts additions, changes and removals.
type Counts struct {
	Added   int `json:"added"`
	Changed int `json:"changed"`
	Removed int `json:"removed"`
}

// Total is the number of changes counted.
func (c Counts) Total() int { return c.Added + c.Changed + c.Removed }

func (c *Counts) add(ch Change) {
	switch ch {
	case Added:
		c.Added++
	case Changed:
		c.Changed++
	case Removed:
		c.Removed++
	}
}

// AppDiff is what changed in one Application.
type AppDiff struct {
	Name      string `json:"name"`
	Namespace string `json:"namespace,omitempty"`
	// Parent is the Application that renders this one ("" for a root).
	Parent string `json:"parent,omitempty"`
	// ApplicationSet names the set that generates it, if any.
	ApplicationSet string `json:"applicationSet,omitempty"`
	Change         Change `json:"change"`
	// Spec is a unified diff of the Application (base → head) when its
	// spec changed; "" otherwise, and for added and removed apps.
	Spec string `json:"spec,omitempty"`
	// Objects are the objects added, changed and removed, ordered by
	// group, kind, namespace and name.
	Objects []ObjectDiff `json:"objects"`
	// BaseError and HeadError say why the app did not render.
	BaseError string `json:"baseError,omitempty"`
	HeadError string `json:"headError,omitempty"`
}

// Counts counts the objects of a by change.
func (a AppDiff) Counts() Counts {
	var c Counts
	for _, o := range a.Objects {
		c.add(o.Change)
	}
	return c
}

// ObjectDiff is one object added, changed or removed.
type ObjectDiff struct {
	Group     string `json:"group,omitempty"`
	Kind      string `json:"kind"`
	Namespace string `json:"namespace,omitempty"`
	Name      string `json:"name"`
	Change    Change `json:"change"`
	// Diff is a unified diff base → head of the normalised YAML, Secret
	// values masked.
	Diff string `json:"diff"`
}

// Title is "group/Kind namespace/name", as flotilla app diff prints it.
func (o ObjectDiff) Title() string {
	return o.Group + "/" + o.Kind + " " + o.Namespace + "/" + o.Name
}

// Differs reports whether anything changed.
func (r *Report) Differs() bool { return len(r.Apps) > 0 }

// summarize fills r.Summary from r.Apps.
func (r *Report) summarize() {
	r.Summary = Summary{}
	for _, a := range r.Apps {
		if a.Change == Failed {
			r.Summary.Errors++
		}
		r.Summary.Applications.add(a.Change)
		for _, o := range a.Objects {
			r.Summary.Objects.add(o.Change)
		}
	}
}

// NewReport makes a Report of apps (those that changed) and counts them.
func NewReport(base, head string, apps []AppDiff) *Report {
	r := &Report{Base: base, Head: head, Apps: apps}
	if r.Apps == nil {
		r.Apps = []AppDiff{}
	}
	r.summarize()
	return r
}
