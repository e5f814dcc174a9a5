package health

// Code is an Argo CD health status code.
type Code string

// The health codes, named as Argo CD names them.
const (
	Healthy     Code = "Healthy"
	Suspended   Code = "Suspended"
	Progressing Code = "Progressing"
	Missing     Code = "Missing"
	Degraded    Code = "Degraded"
	Unknown     Code = "Unknown"
)

// Status is the outcome of one assessment.
type Status struct {
	Code    Code
	Message string
}

// order is Argo CD's ranking from best to worst.
var order = map[Code]int{Healthy: 0, Suspended: 1, Progressing: 2, Missing: 3, Degraded: 4, Unknown: 5}

// IsWorse reports whether a is worse than b.
func IsWorse(a, b Code) bool { return order[a] > order[b] }

// Worst returns the worst of the codes, Healthy for none.
func Worst(codes ...Code) Code {
	worst := Healthy
	for _, c := range codes {
		if IsWorse(c, worst) {
			worst = c
		}
	}
	return worst
}
