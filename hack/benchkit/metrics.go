package benchkit

import (
	"bufio"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// ScrapeCounter sums the samples of a Prometheus counter at url whose
// labels contain match.
func ScrapeCounter(url, name, match string) (float64, error) {
	resp, err := http.Get(url)
	if err != nil {
		return 0, fmt.Errorf("scrape metrics: %w", err)
	}
	defer resp.Body.Close()
	sum := 0.0
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, name+"{") || !strings.Contains(line, match) {
			continue
		}
		f := strings.Fields(line)
		v, err := strconv.ParseFloat(f[len(f)-1], 64)
		if err == nil {
			sum += v
		}
	}
	return sum, sc.Err()
}

// Sample is one series of a Prometheus metric: its labels and value.
type Sample struct {
	Labels map[string]string
	Value  float64
}

// ScrapeSeries returns every series of the metrics names at url (in the
// text exposition format), each with its labels, by metric name.
func ScrapeSeries(url string, names ...string) (map[string][]Sample, error) {
	resp, err := http.Get(url)
	if err != nil {
		return nil, fmt.Errorf("scrape metrics: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("scrape metrics: %s answered %s", url, resp.Status)
	}
	out := map[string][]Sample{}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		for _, name := range names {
			rest, ok := strings.CutPrefix(line, name)
			if !ok || rest == "" || (rest[0] != '{' && rest[0] != ' ') {
				continue // another metric, or a longer name
			}
			labels, rest, err := parseLabels(rest)
			if err != nil {
				return nil, fmt.Errorf("scrape %s: %w in %q", name, err, line)
			}
			f := strings.Fields(rest)
			if len(f) == 0 {
				continue
			}
			v, err := strconv.ParseFloat(f[0], 64)
			if err != nil {
				return nil, fmt.Errorf("scrape %s: value of %q: %w", name, line, err)
			}
			out[name] = append(out[name], Sample{Labels: labels, Value: v})
		}
	}
	return out, sc.Err()
}

// parseLabels reads `{a="x",b="y"}` off the front of s (if there) and
// returns the labels and what follows.
func parseLabels(s string) (map[string]string, string, error) {
	labels := map[string]string{}
	if !strings.HasPrefix(s, "{") {
		return labels, s, nil
	}
	s = s[1:]
	for {
		s = strings.TrimLeft(s, " ,")
		if strings.HasPrefix(s, "}") {
			return labels, s[1:], nil
		}
		eq := strings.Index(s, `="`)
		if eq < 0 {
			return nil, "", fmt.Errorf("bad labels")
		}
		key := s[:eq]
		s = s[eq+2:]
		var v strings.Builder
		for {
			if s == "" {
				return nil, "", fmt.Errorf("unterminated label value")
			}
			c := s[0]
			s = s[1:]
			if c == '"' {
				break
			}
			if c == '\\' && s != "" {
				switch s[0] {
				case 'n':
					c = '\n'
				default:
					c = s[0]
				}
				s = s[1:]
			}
			v.WriteByte(c)
		}
		labels[key] = v.String()
	}
}
