package server

import (
	"embed"
	"io/fs"
	"net/http"
)

// uiFiles are the web UI: plain HTML, CSS and JavaScript modules.
//
//go:embed ui
var uiFiles embed.FS

// uiHandler serves the files under /ui/.
func uiHandler() http.Handler {
	files := http.FileServerFS(uiFiles)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-cache")
		files.ServeHTTP(w, r)
	})
}

// serveIndex serves the single page at /.
func serveIndex(w http.ResponseWriter, _ *http.Request) {
	page, err := fs.ReadFile(uiFiles, "ui/index.html")
	if err != nil {
		writeError(w, http.StatusInternalServerError, "ui missing: %v", err)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	_, _ = w.Write(page)
}
